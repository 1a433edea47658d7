/**
 * Users API (contract §1.1–§1.3, §1.5, §1.6, §2): list and search, get, create, update, delete,
 * identities, memberships and /user. Moderation (block, deactivate, ban…) is in user-moderation.ts.
 */
import type { Context, Reply, RouteDef } from "../http/router";
import { readParams } from "../http/params";
import { paginate, paginateKeyset, readPageParams } from "../http/pagination";
import { JsonMemo } from "../http/json-memo";
import { ApiError, conflict, forbidden, notFound, preconditionFailed } from "../http/errors";
import { requireAdmin, requireCaller } from "../auth";
import { userBasic, userProfile, userPublic, userWithAdmin } from "../entities";
import { assertUserSaves } from "./user-rules";
import { OWNER, requireUser } from "./lookups";
import type { UserRecord } from "../state/types";
import type { Store } from "../state/store";

const ORDER_FIELDS = ["id", "name", "username", "created_at", "updated_at"] as const;
/** contract §5: offset pagination on /users stops at this offset; keyset is required beyond (unconfirmed status 405). */
const MAX_OFFSET = 50_000;

const listSpec = {
  username: { type: "string" },
  search: { type: "string" },
  extern_uid: { type: "string" },
  provider: { type: "string" },
  active: { type: "boolean" },
  blocked: { type: "boolean" },
  external: { type: "boolean" },
  exclude_external: { type: "boolean" },
  exclude_internal: { type: "boolean" },
  exclude_active: { type: "boolean" },
  humans: { type: "boolean" },
  exclude_humans: { type: "boolean" },
  without_project_bots: { type: "boolean" },
  admins: { type: "boolean" },
  created_after: { type: "string" },
  created_before: { type: "string" },
  order_by: { type: "string", values: ORDER_FIELDS },
  sort: { type: "string", values: ["asc", "desc"] },
  pagination: { type: "string", values: ["offset", "keyset"] },
} as const;

const listRules = { allOrNone: [["extern_uid", "provider"]] };

function listUsers(ctx: Context): Reply {
  const p = readParams(ctx.input, listSpec, listRules);
  const caller = ctx.caller;
  // contract §1.1 / §9.11: looking up by identity is admin-only (401 anonymous, 403 non-admin).
  if (p.extern_uid !== undefined) requireAdmin(caller);
  if (!caller && p.username === undefined) throw forbidden("Not authorized to access /api/v4/users");
  const admin = caller?.isAdmin ?? false;

  let rows = candidateUsers(ctx.store, p.username, p.extern_uid, p.provider, p.search, admin);
  rows = rows.filter((u) => {
    if (p.active && (u.state !== "active" || u.userType === "internal")) return false; // contract §1.6
    if (p.blocked && u.state !== "blocked" && u.state !== "ldap_blocked") return false; // contract §1.6
    if (p.external && !u.external) return false;
    if (p.exclude_external && u.external) return false;
    if (p.exclude_internal && u.userType === "internal") return false;
    if (p.exclude_active && u.state === "active") return false;
    if (p.humans && u.userType !== "human") return false;
    if (p.exclude_humans && u.userType === "human") return false;
    if (p.without_project_bots && u.userType === "project_bot") return false;
    if (admin && p.admins && !u.isAdmin) return false;
    if (admin && p.created_after && u.createdAt < p.created_after) return false;
    if (admin && p.created_before && u.createdAt > p.created_before) return false;
    return true;
  });

  // contract §1.6: admins always get order_by/sort (defaults id desc), even for a search; non-admins'
  // order params are dropped and a search keeps its relevance ranking (inferred).
  const orderBy = admin ? p.order_by ?? "id" : "id";
  const sort = admin ? p.sort ?? "desc" : "desc";
  if (admin || p.search === undefined) rows = sortUsers(rows, orderBy, sort);
  else rows = rankSearch(rows, p.search);

  // Two unnamed arrows rather than one arrow with a test inside: under tsx (esbuild keepNames) an arrow
  // bound straight to a name is wrapped in a name-setting call, which costs on every request.
  const render = admin ? (u: UserRecord) => userWithAdmin(u, ctx.baseUrl, ctx.store) : (u: UserRecord) => userBasic(u, ctx.baseUrl);
  const memo = admin ? adminUserJson : basicUserJson;
  if (p.pagination === "keyset") return paginateKeyset(ctx, rows, (u) => String(u.id), render);
  const { page, perPage } = readPageParams(ctx);
  if ((page - 1) * perPage >= MAX_OFFSET) {
    throw new ApiError(405, {
      error: `Offset pagination has a maximum allowed offset of ${MAX_OFFSET} for requests that return objects of type User. Remaining records can be retrieved using keyset pagination.`,
    });
  }
  return paginate(ctx, rows, render, memo);
}

/** Serialised list entities per user record (http/json-memo.ts), one memo per entity kind. */
const adminUserJson = new JsonMemo<UserRecord>();
const basicUserJson = new JsonMemo<UserRecord>();

/** Uses the indexes for exact look-ups so a username or identity query never scans. */
function candidateUsers(store: Store, username?: string, externUid?: string, provider?: string, search?: string, admin = false): UserRecord[] {
  if (username !== undefined) {
    const u = store.findUserByUsername(username);
    return u ? [u] : [];
  }
  if (externUid !== undefined && provider !== undefined) {
    const u = store.findUserByIdentity(provider, externUid);
    return u ? [u] : [];
  }
  const all = [...store.usersById.values()];
  if (search === undefined) return all;
  return all.filter((u) => matchesSearch(u, search, admin));
}

/**
 * contract §1.6: name/username partial and case-insensitive; email only as the exact full address —
 * the public email for everyone, every email for admins. A leading "@" is stripped.
 */
function matchesSearch(u: UserRecord, rawQuery: string, admin: boolean): boolean {
  const q = rawQuery.replace(/^@/, "").toLowerCase();
  if (q === "") return true;
  if (u.name.toLowerCase().includes(q) || u.username.toLowerCase().includes(q)) return true;
  if (u.publicEmail !== "" && u.publicEmail.toLowerCase() === q) return true;
  if (!admin) return false;
  return u.email.toLowerCase() === q || u.secondaryEmails.some((s) => s.email.toLowerCase() === q);
}

/** contract §1.6: exact public email → exact username → exact name → name → id. */
function rankSearch(rows: UserRecord[], rawQuery: string): UserRecord[] {
  const q = rawQuery.replace(/^@/, "").toLowerCase();
  const rank = (u: UserRecord) =>
    u.publicEmail.toLowerCase() === q ? 0 : u.username.toLowerCase() === q ? 1 : u.name.toLowerCase() === q ? 2 : 3;
  return [...rows].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.id - b.id);
}

function sortUsers(rows: UserRecord[], orderBy: string, sort: string): UserRecord[] {
  const dir = sort === "asc" ? 1 : -1;
  if (orderBy === "id") return dir === 1 ? rows.sort((a, b) => a.id - b.id) : rows.sort((a, b) => b.id - a.id);
  const key = (u: UserRecord) =>
    orderBy === "name" ? u.name : orderBy === "username" ? u.username : orderBy === "created_at" ? u.createdAt : u.updatedAt;
  return rows.sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : dir * (a.id - b.id)));
}

function getUser(ctx: Context): Reply {
  // contract §1.1: anonymous callers are refused with a reason.
  if (!ctx.caller) throw forbidden("Not authorized!");
  const user = requireUser(ctx.store, ctx.pathParams.id);
  const body = ctx.caller.isAdmin ? userWithAdmin(user, ctx.baseUrl, ctx.store) : userProfile(user, ctx.baseUrl);
  return { status: 200, body };
}

const writableSpec = {
  email: { type: "string" },
  name: { type: "string" },
  username: { type: "string" },
  password: { type: "string" },
  reset_password: { type: "boolean" },
  force_random_password: { type: "boolean" },
  skip_confirmation: { type: "boolean" },
  skip_reconfirmation: { type: "boolean" },
  extern_uid: { type: "string" },
  provider: { type: "string" },
  external: { type: "boolean" },
  admin: { type: "boolean" },
  can_create_group: { type: "boolean" },
  projects_limit: { type: "integer" },
  note: { type: "string" },
  private_profile: { type: "boolean" },
  public_email: { type: "string" },
  bio: { type: "string" },
} as const;

function createUser(ctx: Context): Reply {
  const admin = requireAdmin(ctx.caller);
  const p = readParams(
    ctx.input,
    { ...writableSpec, email: { type: "string", required: true }, name: { type: "string", required: true }, username: { type: "string", required: true } },
    { atLeastOne: [["password", "reset_password", "force_random_password"]], allOrNone: [["extern_uid", "provider"]] },
  );
  const identity = p.extern_uid !== undefined && p.provider !== undefined ? { provider: p.provider, externUid: p.extern_uid } : undefined;
  assertUserSaves(ctx.store, {
    email: p.email!,
    username: p.username!,
    password: p.password,
    projectsLimit: p.projects_limit,
    bio: p.bio,
    identity,
    publicEmail: p.public_email,
  });
  const now = ctx.clock.now().toISOString();
  const user: UserRecord = {
    id: ctx.store.allocateUserId(),
    username: p.username!,
    name: p.name!,
    email: p.email!,
    unconfirmedEmail: null,
    secondaryEmails: [],
    publicEmail: p.public_email ?? "",
    state: "active",
    userType: "human",
    isAdmin: p.admin ?? false,
    external: p.external ?? false,
    canCreateGroup: p.can_create_group ?? true,
    projectsLimit: p.projects_limit ?? 100_000,
    privateProfile: p.private_profile ?? false,
    note: p.note ?? null,
    bio: p.bio ?? "",
    password: p.password ?? null,
    passwordExpired: p.password === undefined,
    identities: [],
    namespaceId: ctx.store.allocateNamespaceId(),
    createdById: admin.user.id,
    createdAt: now,
    updatedAt: now,
    confirmedAt: p.skip_confirmation ? now : null,
    // contract §1.4 (inferred): an API-created user who never signed in has no activity at all.
    lastActivityOn: null,
    currentSignInAt: null,
    lastSignInAt: null,
    customAttributes: {},
    pendingDeletion: false,
  };
  ctx.store.insertUser(user);
  if (identity) ctx.store.setIdentity(user, identity);
  return { status: 201, body: userWithAdmin(user, ctx.baseUrl, ctx.store) };
}

function updateUser(ctx: Context): Reply {
  requireAdmin(ctx.caller);
  const user = requireUser(ctx.store, ctx.pathParams.id);
  const p = readParams(ctx.input, writableSpec, { allOrNone: [["extern_uid", "provider"]] });
  const emailChanges = p.email !== undefined && p.email.toLowerCase() !== user.email.toLowerCase();
  assertUserSaves(
    ctx.store,
    {
      email: emailChanges ? p.email : undefined,
      username: p.username !== undefined && p.username !== user.username ? p.username : undefined,
      password: p.password,
      projectsLimit: p.projects_limit,
      bio: p.bio,
      publicEmail: p.public_email,
    },
    user,
  );
  if (emailChanges) {
    // contract §1.3 / §9.9: without skip_reconfirmation the new address waits in unconfirmed_email —
    // unless it is already one of the user's confirmed secondary emails (user.rb check_for_verified_email).
    if (p.skip_reconfirmation || isConfirmedSecondary(user, p.email!)) ctx.store.changeEmail(user, p.email!);
    else user.unconfirmedEmail = p.email!;
  }
  if (p.username !== undefined && p.username !== user.username) ctx.store.renameUser(user, p.username);
  if (p.name !== undefined) user.name = p.name;
  if (p.password !== undefined) {
    user.password = p.password;
    user.passwordExpired = true; // contract §1.3: an admin-set password must be changed at next sign-in
  }
  if (p.external !== undefined) user.external = p.external;
  if (p.admin !== undefined) user.isAdmin = p.admin;
  if (p.can_create_group !== undefined) user.canCreateGroup = p.can_create_group;
  if (p.projects_limit !== undefined) user.projectsLimit = p.projects_limit;
  if (p.note !== undefined) user.note = p.note;
  if (p.private_profile !== undefined) user.privateProfile = p.private_profile;
  if (p.public_email !== undefined) user.publicEmail = p.public_email;
  if (p.bio !== undefined) user.bio = p.bio;
  if (p.extern_uid !== undefined && p.provider !== undefined) {
    // Addenda (inferred): an extern_uid already linked to another user is silently not applied; still 200.
    const holder = ctx.store.findUserByIdentity(p.provider, p.extern_uid);
    if (!holder || holder === user) ctx.store.setIdentity(user, { provider: p.provider, externUid: p.extern_uid });
  }
  user.updatedAt = ctx.clock.now().toISOString();
  return { status: 200, body: userWithAdmin(user, ctx.baseUrl, ctx.store) };
}

const isConfirmedSecondary = (user: UserRecord, email: string) =>
  user.secondaryEmails.some((s) => s.confirmed && s.email.toLowerCase() === email.toLowerCase());

/** contract §0.1: `destroy_conditionally!` refuses when If-Unmodified-Since is older than the record. */
export function assertUnmodifiedSince(ctx: Context, updatedAt: string): void {
  const header = ctx.req.headers["if-unmodified-since"];
  if (!header) return;
  const since = Date.parse(header);
  if (!Number.isNaN(since) && Math.floor(Date.parse(updatedAt) / 1000) > Math.floor(since / 1000)) throw preconditionFailed();
}

function soleOwnedGroupIds(store: Store, user: UserRecord): number[] {
  const owned: number[] = [];
  for (const groupId of store.groupIdsOf(user.id)) {
    const members = store.directMembers(groupId);
    if (members.get(user.id)?.accessLevel !== OWNER) continue;
    let owners = 0;
    for (const m of members.values()) if (m.accessLevel === OWNER) owners++;
    if (owners === 1) owned.push(groupId);
  }
  return owned;
}

function deleteUser(ctx: Context): Reply {
  requireAdmin(ctx.caller);
  const user = requireUser(ctx.store, ctx.pathParams.id);
  const { hard_delete: hardDelete } = readParams(ctx.input, { hard_delete: { type: "boolean" } });
  const soleOwned = soleOwnedGroupIds(ctx.store, user);
  // contract §1.5 / §9.10: sole owners cannot be removed unless hard_delete.
  if (soleOwned.length && !hardDelete) throw conflict("User cannot be removed while is the sole-owner of a group");
  assertUnmodifiedSince(ctx, user.updatedAt);
  // contract §1.5: hard_delete blocks the user at once; the record itself goes in a background job.
  if (hardDelete) user.state = "blocked";
  user.pendingDeletion = true;
  ctx.jobs.schedule(ctx.store.settings.userDeletionDelayMs, () => {
    if (ctx.store.findUser(user.id) !== user) return;
    if (hardDelete) for (const id of soleOwned) {
      const group = ctx.store.findGroup(id);
      if (group) ctx.store.removeGroup(group);
    }
    ctx.store.removeUser(user);
  });
  return { status: 204 };
}

function deleteIdentity(ctx: Context): Reply {
  requireAdmin(ctx.caller);
  const user = requireUser(ctx.store, ctx.pathParams.id);
  if (!ctx.store.removeIdentity(user, ctx.pathParams.provider)) throw notFound("Identity");
  return { status: 204 };
}

/** contract §1.1: direct memberships only; the emulator holds no projects. */
function listMemberships(ctx: Context): Reply {
  requireAdmin(ctx.caller);
  const user = requireUser(ctx.store, ctx.pathParams.user_id);
  const { type } = readParams(ctx.input, { type: { type: "string", values: ["Project", "Namespace"] } });
  const rows = type === "Project" ? [] : [...ctx.store.groupIdsOf(user.id)].sort((a, b) => a - b);
  return paginate(ctx, rows, (groupId) => {
    const group = ctx.store.findGroup(groupId)!;
    return {
      source_id: group.id,
      source_name: group.name,
      source_type: "Namespace",
      access_level: ctx.store.findMember(groupId, user.id)!.accessLevel,
    };
  });
}

/** contract §1.1 / §9.15: admins get UserWithAdmin with is_admin; others UserPublic without the key. */
function currentUser(ctx: Context): Reply {
  const caller = requireCaller(ctx.caller);
  const body = caller.isAdmin ? userWithAdmin(caller.user, ctx.baseUrl, ctx.store) : userPublic(caller.user, ctx.baseUrl);
  return { status: 200, body };
}

export const userRoutes: RouteDef[] = [
  { method: "GET", pattern: "/api/v4/users", access: "public", scope: "read_user", handler: listUsers },
  { method: "POST", pattern: "/api/v4/users", access: "admin", scope: "api", handler: createUser },
  { method: "GET", pattern: "/api/v4/users/{id:int}", access: "public", scope: "read_user", handler: getUser },
  { method: "PUT", pattern: "/api/v4/users/{id:int}", access: "admin", scope: "api", handler: updateUser },
  { method: "DELETE", pattern: "/api/v4/users/{id:int}", access: "admin", scope: "api", handler: deleteUser },
  { method: "DELETE", pattern: "/api/v4/users/{id:int}/identities/{provider}", access: "admin", scope: "api", handler: deleteIdentity },
  { method: "GET", pattern: "/api/v4/users/{user_id:int}/memberships", access: "admin", scope: "read_user", handler: listMemberships },
  { method: "GET", pattern: "/api/v4/user", access: "user", scope: "read_user", handler: currentUser },
];
