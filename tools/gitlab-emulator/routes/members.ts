/**
 * Group members API (contract §4): direct and inherited lists, one member, add one or several, update,
 * remove with the skip_subresources cascade. Rules that are easy to get wrong (§9.12): a second add of a
 * direct member is 409 "Member already exists"; a multi-user add answers 201 with {"status": …} even
 * when it failed; the last owner cannot be removed or downgraded, not even by an admin; look-ups of a
 * non-member are "404 Not found" (lower-case f, §9.2).
 */
import type { Context, Reply, RouteDef } from "../http/router";
import { readParams } from "../http/params";
import { paginate } from "../http/pagination";
import { JsonMemo } from "../http/json-memo";
import { ApiError, conflict, forbidden, notFound, recordNotFound, validationError } from "../http/errors";
import { requireCaller, type Caller } from "../auth";
import { member as memberEntity } from "../entities";
import { effectiveAccess, MAINTAINER, OWNER, requireVisibleGroup, ROLE_NAMES } from "./lookups";
import { assertUnmodifiedSince } from "./users";
import { ACCESS_LEVELS } from "../state/seed";
import type { GroupRecord, MemberRecord, UserRecord } from "../state/types";
import type { Store } from "../state/store";
import { isoDate } from "../clock";
import type { MembersDeleteLimiter } from "../rate-limit";

const listSpec = {
  query: { type: "string" },
  user_ids: { type: "integerList" },
  skip_users: { type: "integerList" },
} as const;

function filterMembers(ctx: Context, rows: { m: MemberRecord; u: UserRecord; level: number }[]) {
  const p = readParams(ctx.input, listSpec);
  const q = p.query?.toLowerCase();
  return rows.filter(({ u }) => {
    if (q !== undefined && !u.name.toLowerCase().includes(q) && !u.username.toLowerCase().includes(q)) return false;
    if (p.user_ids && !p.user_ids.includes(u.id)) return false;
    if (p.skip_users?.includes(u.id)) return false;
    return true;
  });
}

/** contract §4.2: direct members only. */
function listDirect(ctx: Context): Reply {
  const group = requireVisibleGroup(ctx);
  const rows = [...ctx.store.directMembers(group.id).values()].map((m) => ({ m, u: ctx.store.findUser(m.userId)!, level: m.accessLevel }));
  return paginate(ctx, filterMembers(ctx, rows), ({ m, u }) => memberEntity(m, u, ctx.baseUrl, ctx.store));
}

/** contract §4.2: direct plus inherited from ancestors, one row per user, the highest level wins. */
function effectiveMembers(store: Store, group: GroupRecord): Map<number, MemberRecord> {
  const best = new Map<number, MemberRecord>();
  for (const g of [group, ...store.ancestorsOf(group)]) {
    for (const m of store.directMembers(g.id).values()) {
      const current = best.get(m.userId);
      if (!current || m.accessLevel > current.accessLevel) best.set(m.userId, m);
    }
  }
  return best;
}

function listAll(ctx: Context): Reply {
  const group = requireVisibleGroup(ctx);
  const rows = [...effectiveMembers(ctx.store, group).values()].map((m) => ({ m, u: ctx.store.findUser(m.userId)!, level: m.accessLevel }));
  return paginate(ctx, filterMembers(ctx, rows), ({ m, u }) => memberEntity(m, u, ctx.baseUrl, ctx.store));
}

/** Serialised member entities per membership record (http/json-memo.ts), for the one-member look-ups. */
const memberJson = new JsonMemo<MemberRecord>();

function oneMember(ctx: Context, m: MemberRecord): Reply {
  const body = memberEntity(m, ctx.store.findUser(m.userId)!, ctx.baseUrl, ctx.store);
  return { status: 200, body, json: memberJson.stringify(m, body) };
}

function getDirect(ctx: Context): Reply {
  const group = requireVisibleGroup(ctx);
  const m = ctx.store.findMember(group.id, Number(ctx.pathParams.user_id));
  if (!m) throw recordNotFound();
  return oneMember(ctx, m);
}

function getEffective(ctx: Context): Reply {
  const group = requireVisibleGroup(ctx);
  const m = effectiveMembers(ctx.store, group).get(Number(ctx.pathParams.user_id));
  if (!m) throw recordNotFound();
  return oneMember(ctx, m);
}

/**
 * Who may manage members: admins and Owners for everything; Maintainers for levels below Owner (a
 * Maintainer cannot grant Owner, contract §4.3 rule 3). Anything else is 403 "403 Forbidden".
 */
function assertMayManage(store: Store, group: GroupRecord, caller: Caller, levels: number[]): void {
  if (caller.isAdmin) return;
  const own = effectiveAccess(store, group, caller.user.id);
  if (own >= OWNER) return;
  if (own >= MAINTAINER && levels.every((l) => l < OWNER)) return;
  throw forbidden();
}

/** Model validations of a membership (contract §4.1, §4.3 rule 4); empty when it would save. */
function membershipErrors(store: Store, group: GroupRecord, user: UserRecord, level: number, expiresAt: string | undefined, today: string): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  // contract §4.1: outside the valid set → validation hash on access_level (wording unconfirmed: Rails' inclusion message).
  if (!ACCESS_LEVELS.includes(level)) errors.access_level = ["is not included in the list"];
  else {
    for (const ancestor of store.ancestorsOf(group)) {
      const inherited = store.findMember(ancestor.id, user.id);
      if (inherited && inherited.accessLevel > level) {
        errors.access_level = [`should be greater than or equal to ${ROLE_NAMES[inherited.accessLevel]} inherited membership from group ${ancestor.name}`];
        break;
      }
    }
  }
  if (expiresAt !== undefined && expiresAt !== "" && expiresAt < today) errors.expires_at = ["cannot be a date in the past"];
  if (user.userType === "project_bot") errors.user_id = ["project bots cannot be added to other groups / projects"];
  return errors;
}

const createSpec = {
  access_level: { type: "integer", required: true },
  user_id: { type: "stringOrIntegerList" },
  username: { type: "string" },
  expires_at: { type: "string" },
  member_role_id: { type: "integer" },
} as const;

function addMembers(ctx: Context): Reply {
  const caller = requireCaller(ctx.caller);
  const group = requireVisibleGroup(ctx);
  const p = readParams(ctx.input, createSpec, { mutuallyExclusive: [["user_id", "username"]], atLeastOne: [["user_id", "username"]] });
  const ids = p.user_id ?? p.username!;
  const multiple = ids.includes(",");
  assertMayManage(ctx.store, group, caller, [p.access_level!]);
  const now = ctx.clock.now();
  const today = isoDate(now);

  const save = (user: UserRecord) => {
    const existing = ctx.store.findMember(group.id, user.id);
    ctx.store.upsertMember({
      userId: user.id,
      groupId: group.id,
      accessLevel: p.access_level!,
      expiresAt: p.expires_at || null,
      createdAt: existing?.createdAt ?? now.toISOString(),
      updatedAt: now.toISOString(),
      createdById: existing?.createdById ?? caller.user.id,
    });
  };

  if (!multiple) {
    const user = p.user_id !== undefined ? ctx.store.findUser(Number(p.user_id)) : ctx.store.findUserByUsername(p.username!);
    if (!user || (p.user_id !== undefined && !/^\d+$/.test(p.user_id))) throw notFound("User");
    if (ctx.store.findMember(group.id, user.id)) throw conflict("Member already exists");
    const errors = membershipErrors(ctx.store, group, user, p.access_level!, p.expires_at, today);
    if (Object.keys(errors).length) throw validationError(errors);
    save(user);
    const m = ctx.store.findMember(group.id, user.id)!;
    return { status: 201, body: memberEntity(m, user, ctx.baseUrl, ctx.store) };
  }

  // Addenda (inferred): ids matching no user are dropped; existing direct members are updated.
  const users = ids
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => (p.user_id !== undefined ? (/^\d+$/.test(s) ? ctx.store.findUser(Number(s)) : undefined) : ctx.store.findUserByUsername(s)))
    .filter((u): u is UserRecord => u !== undefined);
  if (users.length === 0) return { status: 201, body: { status: "error", message: "Invites cannot be blank" } };
  const failures: string[] = [];
  for (const user of users) {
    const errors = membershipErrors(ctx.store, group, user, p.access_level!, p.expires_at, today);
    const first = Object.entries(errors)[0];
    if (first) failures.push(`${user.username}: ${humanAttribute(first[0])} ${first[1][0]}`);
    else save(user);
  }
  // contract §4.3 / §9.12: 201 even when it failed; the failure is one string (Addenda, inferred).
  if (failures.length) return { status: 201, body: { status: "error", message: toSentence(failures) } };
  return { status: 201, body: { status: "success" } };
}

const humanAttribute = (field: string) => {
  const words = field.replace(/_id$/, "").replace(/_/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** Rails' Array#to_sentence, which GitLab uses to join service errors. */
const toSentence = (items: string[]) =>
  items.length <= 2 ? items.join(" and ") : `${items.slice(0, -1).join(", ")}, and ${items[items.length - 1]}`;

/** Owners of the group, direct or inherited; the last of them cannot go (contract §4.4, [gm_policy]). */
function isLastOwner(store: Store, group: GroupRecord, userId: number): boolean {
  const owners = new Set<number>();
  for (const g of [group, ...store.ancestorsOf(group)]) {
    for (const m of store.directMembers(g.id).values()) if (m.accessLevel === OWNER) owners.add(m.userId);
  }
  return owners.size === 1 && owners.has(userId);
}

function updateMember(ctx: Context): Reply {
  const caller = requireCaller(ctx.caller);
  const group = requireVisibleGroup(ctx);
  const p = readParams(ctx.input, {
    access_level: { type: "integer", required: true },
    expires_at: { type: "string" },
    member_role_id: { type: "integer" },
  });
  const m = ctx.store.findMember(group.id, Number(ctx.pathParams.user_id));
  if (!m) throw recordNotFound();
  assertMayManage(ctx.store, group, caller, [m.accessLevel, p.access_level!]);
  if (m.accessLevel === OWNER && p.access_level !== OWNER && isLastOwner(ctx.store, group, m.userId)) throw forbidden();
  const user = ctx.store.findUser(m.userId)!;
  const errors = membershipErrors(ctx.store, group, user, p.access_level!, p.expires_at, isoDate(ctx.clock.now()));
  if (Object.keys(errors).length) throw validationError(errors);
  m.accessLevel = p.access_level!;
  if (p.expires_at !== undefined) m.expiresAt = p.expires_at || null;
  m.updatedAt = ctx.clock.now().toISOString();
  return { status: 200, body: memberEntity(m, user, ctx.baseUrl, ctx.store) };
}

function removeMember(limiter: MembersDeleteLimiter) {
  return (ctx: Context): Reply => {
    const caller = requireCaller(ctx.caller);
    const group = requireVisibleGroup(ctx);
    // contract §4.2 / §6: the members_delete limiter runs first and answers in JSON, without RateLimit-* headers.
    if (!limiter.allow(group.id, caller.user.id, ctx.store.settings.membersDeleteLimitPerMinute, ctx.clock.now().getTime())) {
      throw new ApiError(429, { message: { error: "This endpoint has been requested too many times. Try again later." } }, { "retry-after": "60" });
    }
    const p = readParams(ctx.input, { skip_subresources: { type: "boolean" }, unassign_issuables: { type: "boolean" } });
    const m = ctx.store.findMember(group.id, Number(ctx.pathParams.user_id));
    // contract §4.4: inherited members are not found here; remove them where they are direct.
    if (!m) throw recordNotFound();
    assertUnmodifiedSince(ctx, m.updatedAt);
    if (m.userId !== caller.user.id) assertMayManage(ctx.store, group, caller, [m.accessLevel]);
    // contract §4.4: the last owner cannot be removed, even by an admin or by themself.
    if (m.accessLevel === OWNER && isLastOwner(ctx.store, group, m.userId)) throw forbidden();
    ctx.store.removeMember(group.id, m.userId);
    // contract §4.4 / §9.12: skip_subresources defaults to false, so memberships below go too.
    if (!p.skip_subresources) for (const d of ctx.store.descendantsOf(group.id)) ctx.store.removeMember(d.id, m.userId);
    return { status: 204 };
  };
}

export function memberRoutes(limiter: MembersDeleteLimiter): RouteDef[] {
  return [
    { method: "GET", pattern: "/api/v4/groups/{id}/members", access: "public", scope: "read_api", handler: listDirect },
    { method: "POST", pattern: "/api/v4/groups/{id}/members", access: "user", scope: "api", handler: addMembers },
    { method: "GET", pattern: "/api/v4/groups/{id}/members/all", access: "public", scope: "read_api", handler: listAll },
    { method: "GET", pattern: "/api/v4/groups/{id}/members/{user_id:int}", access: "public", scope: "read_api", handler: getDirect },
    { method: "PUT", pattern: "/api/v4/groups/{id}/members/{user_id:int}", access: "user", scope: "api", handler: updateMember },
    { method: "DELETE", pattern: "/api/v4/groups/{id}/members/{user_id:int}", access: "user", scope: "api", handler: removeMember(limiter) },
    { method: "GET", pattern: "/api/v4/groups/{id}/members/all/{user_id:int}", access: "public", scope: "read_api", handler: getEffective },
  ];
}
