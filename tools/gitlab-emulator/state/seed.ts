/**
 * Seeding: the JSON shape accepted by `--seed file.json`, the `seed` option and POST /-/emulator/seed,
 * and the code that loads it. Seeds add to the current state; /-/emulator/reset goes back to the
 * start-up state. Loading is a straight pass over the input with index inserts and no per-row
 * allocations beyond the records themselves, because benchmarks seed 100,000 users.
 * A bad seed stops with a message naming the exact element and key.
 */
import type { Store } from "./store";
import { mergeSettings, type SettingsPatch } from "./settings";
import { USER_STATES, type GroupRecord, type UserRecord, type UserState, type UserType, type Visibility } from "./types";
import { isoDate, type Clock } from "../clock";

export interface SeedUser {
  id?: number;
  username: string;
  name?: string;
  email?: string;
  state?: UserState;
  admin?: boolean;
  external?: boolean;
  userType?: UserType;
  password?: string;
  /** YYYY-MM-DD; with currentSignInAt it decides dormancy (contract §1.4). */
  lastActivityOn?: string | null;
  currentSignInAt?: string | null;
  lastSignInAt?: string | null;
  /** Shorthand for "active today": the user cannot be deactivated (contract §1.4). */
  recentlyActive?: boolean;
  createdAt?: string;
  confirmedAt?: string | null;
  identities?: { provider: string; externUid: string }[];
  secondaryEmails?: { email: string; confirmed?: boolean }[];
  publicEmail?: string;
  note?: string | null;
  canCreateGroup?: boolean;
  projectsLimit?: number;
  privateProfile?: boolean;
  tokens?: SeedToken[];
  sshKeys?: SeedSshKey[];
}

export interface SeedToken {
  id?: number;
  token: string;
  name?: string;
  description?: string;
  scopes?: string[];
  expiresAt?: string | null;
  revoked?: boolean;
}

export interface SeedSshKey {
  id?: number;
  title?: string;
  key: string;
  expiresAt?: string | null;
  usageType?: string;
}

export interface SeedMember {
  username?: string;
  userId?: number;
  accessLevel: number;
  expiresAt?: string | null;
}

export interface SeedGroup {
  id?: number;
  path: string;
  name?: string;
  /** Full path of the parent group (it must come earlier in the seed or exist already). */
  parent?: string;
  parentId?: number;
  visibility?: Visibility;
  description?: string;
  members?: SeedMember[];
}

export interface SeedOAuthApplication {
  clientId: string;
  clientSecret?: string | null;
  redirectUris: string[];
  scopes?: string[];
  confidential?: boolean;
}

export interface Seed {
  settings?: SettingsPatch;
  users?: SeedUser[];
  groups?: SeedGroup[];
  oauthApplications?: SeedOAuthApplication[];
}

export interface SeedResult {
  users: number;
  groups: number;
  members: number;
  tokens: number;
  oauthApplications: number;
}

/** contract §4.1. */
export const ACCESS_LEVELS: readonly number[] = [0, 5, 10, 15, 20, 30, 40, 50];

export class SeedError extends Error {}

function fail(where: string, rule: string): never {
  throw new SeedError(`${where} ${rule}`);
}

export function applySeed(store: Store, seed: Seed, clock: Clock): SeedResult {
  if (typeof seed !== "object" || seed === null || Array.isArray(seed)) fail("seed", "must be a JSON object");
  const result: SeedResult = { users: 0, groups: 0, members: 0, tokens: 0, oauthApplications: 0 };
  if (seed.settings) {
    try {
      store.settings = mergeSettings(store.settings, seed.settings);
    } catch (e) {
      fail("seed", (e as Error).message.replace(/^settings/, "settings"));
    }
  }
  const now = clock.now();
  const nowIso = now.toISOString();
  const today = isoDate(now);
  (seed.users ?? []).forEach((input, i) => {
    seedUser(store, input, `seed.users[${i}]`, nowIso, today, result);
  });
  (seed.groups ?? []).forEach((input, i) => seedGroup(store, input, `seed.groups[${i}]`, nowIso, result));
  (seed.oauthApplications ?? []).forEach((app, i) => {
    const where = `seed.oauthApplications[${i}]`;
    if (typeof app.clientId !== "string" || app.clientId === "") fail(where, ".clientId is required");
    if (!Array.isArray(app.redirectUris) || app.redirectUris.length === 0) fail(where, ".redirectUris must list at least one URI");
    store.oauthApps.set(app.clientId, {
      clientId: app.clientId,
      clientSecret: app.clientSecret ?? null,
      redirectUris: app.redirectUris,
      scopes: app.scopes ?? ["api", "read_user", "openid", "profile", "email"],
      confidential: app.confidential ?? app.clientSecret != null,
    });
    result.oauthApplications++;
  });
  return result;
}

function seedUser(store: Store, input: SeedUser, where: string, nowIso: string, today: string, result: SeedResult): void {
  const username = input.username;
  if (typeof username !== "string" || username === "") fail(where, ".username is required");
  if (store.findUserByUsername(username)) fail(where, `.username "${username}" is already taken`);
  if (input.id !== undefined && store.findUser(input.id)) fail(where, `.id ${input.id} is already taken`);
  if (input.state !== undefined && !USER_STATES.includes(input.state)) fail(where, `.state must be one of ${USER_STATES.join(", ")}`);
  const email = input.email ?? `${username}@example.com`;
  if (store.findUserByEmail(email)) fail(where, `.email "${email}" is already taken`);
  for (const identity of input.identities ?? []) {
    if (store.findUserByIdentity(identity.provider, identity.externUid)) {
      fail(where, `.identities: ${identity.provider} extern_uid "${identity.externUid}" is already linked`);
    }
  }
  const user: UserRecord = {
    id: store.allocateUserId(input.id),
    username,
    name: input.name ?? username,
    email,
    unconfirmedEmail: null,
    secondaryEmails: (input.secondaryEmails ?? []).map((s) => ({ email: s.email, confirmed: s.confirmed ?? true })),
    publicEmail: input.publicEmail ?? "",
    state: input.state ?? "active",
    userType: input.userType ?? "human",
    isAdmin: input.admin ?? false,
    external: input.external ?? false,
    canCreateGroup: input.canCreateGroup ?? true,
    projectsLimit: input.projectsLimit ?? 100_000,
    privateProfile: input.privateProfile ?? false,
    note: input.note ?? null,
    bio: "",
    password: input.password ?? null,
    passwordExpired: false,
    identities: (input.identities ?? []).map((i) => ({ provider: i.provider, externUid: i.externUid })),
    namespaceId: store.allocateNamespaceId(),
    createdById: null,
    createdAt: input.createdAt ?? nowIso,
    updatedAt: input.createdAt ?? nowIso,
    confirmedAt: input.confirmedAt === undefined ? input.createdAt ?? nowIso : input.confirmedAt,
    lastActivityOn: input.recentlyActive ? today : input.lastActivityOn ?? null,
    currentSignInAt: input.currentSignInAt ?? null,
    lastSignInAt: input.lastSignInAt ?? null,
    customAttributes: {},
    pendingDeletion: false,
  };
  store.insertUser(user);
  result.users++;
  for (const [j, token] of (input.tokens ?? []).entries()) {
    if (typeof token.token !== "string" || token.token === "") fail(`${where}.tokens[${j}]`, ".token is required");
    if (store.findTokenBySecret(token.token)) fail(`${where}.tokens[${j}]`, ".token is already in use");
    store.insertToken({
      id: token.id,
      token: token.token,
      userId: user.id,
      name: token.name ?? `token-${j + 1}`,
      description: token.description ?? "",
      scopes: token.scopes ?? ["api"],
      revoked: token.revoked ?? false,
      createdAt: nowIso,
      expiresAt: token.expiresAt ?? null,
      lastUsedAt: null,
    });
    result.tokens++;
  }
  for (const [j, key] of (input.sshKeys ?? []).entries()) {
    if (typeof key.key !== "string" || key.key === "") fail(`${where}.sshKeys[${j}]`, ".key is required");
    store.insertSshKey({
      id: key.id,
      userId: user.id,
      title: key.title ?? `key-${j + 1}`,
      key: key.key,
      createdAt: nowIso,
      expiresAt: key.expiresAt ?? null,
      usageType: key.usageType ?? "auth_and_signing",
    });
  }
}

function seedGroup(store: Store, input: SeedGroup, where: string, nowIso: string, result: SeedResult): void {
  if (typeof input.path !== "string" || input.path === "") fail(where, ".path is required");
  let parent: GroupRecord | undefined;
  if (input.parent !== undefined) {
    parent = store.findGroupByFullPath(input.parent);
    if (!parent) fail(where, `.parent "${input.parent}" is not a group seeded before it`);
  } else if (input.parentId !== undefined) {
    parent = store.findGroup(input.parentId);
    if (!parent) fail(where, `.parentId ${input.parentId} is not a group seeded before it`);
  }
  const fullPath = parent ? `${parent.fullPath}/${input.path}` : input.path;
  if (store.findGroupByFullPath(fullPath)) fail(where, `.path: group "${fullPath}" already exists`);
  if (input.id !== undefined && store.findGroup(input.id)) fail(where, `.id ${input.id} is already taken`);
  const name = input.name ?? input.path;
  const group: GroupRecord = {
    id: store.allocateNamespaceId(input.id),
    name,
    path: input.path,
    fullPath,
    fullName: parent ? `${parent.fullName} / ${name}` : name,
    parentId: parent ? parent.id : null,
    description: input.description ?? "",
    visibility: input.visibility ?? "private",
    createdAt: nowIso,
  };
  store.insertGroup(group);
  result.groups++;
  for (const [j, m] of (input.members ?? []).entries()) {
    const at = `${where}.members[${j}]`;
    const user = m.userId !== undefined ? store.findUser(m.userId) : m.username !== undefined ? store.findUserByUsername(m.username) : undefined;
    if (!user) fail(at, "names no seeded user (give username or userId)");
    if (!ACCESS_LEVELS.includes(m.accessLevel)) fail(at, `.accessLevel must be one of ${ACCESS_LEVELS.join(", ")}`);
    store.upsertMember({
      userId: user.id,
      groupId: group.id,
      accessLevel: m.accessLevel,
      expiresAt: m.expiresAt ?? null,
      createdAt: nowIso,
      updatedAt: nowIso,
      createdById: null,
    });
    result.members++;
  }
}
