/**
 * The burst of SCIM changes the system tests send (issue 10: "a burst of 500 SCIM changes"), what
 * GitLab must look like once the bridge has caught up, and what the emulator's request log may show.
 *
 * Shape: `existing` users are provisioned (and reconciled) first; the burst then creates `creates` new
 * users and deactivates `deactivations` of the existing ones, interleaved, as an IdP's sync cycle does
 * (onboarding and offboarding in one push). Deactivating users GitLab already has keeps the expected
 * outcome independent of a choice the bridge may make for a user deactivated before it was ever
 * created (create it blocked, or not at all).
 *
 * Expected GitLab state (issue 10 items 4 and 6, default connection settings): one GitLab user per SCIM
 * user, username = the userName's local part, email = the primary email, an identity of provider "saml"
 * whose extern_uid is the externalId; state "blocked" after active:false, "active" otherwise.
 */
import type { RequestRecord } from "../../tools/gitlab-emulator";
import { PROVIDER, type EmulatedUser } from "./harness";

const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export interface BurstUser {
  index: number;
  userName: string;
  externalId: string;
  email: string;
  /** The GitLab username the bridge derives: the userName's local part (valid as it is). */
  username: string;
  displayName: string;
}

export function burstUser(index: number, prefix = "sys"): BurstUser {
  const tag = String(index).padStart(4, "0");
  const local = `${prefix}-user-${tag}`;
  return { index, userName: `${local}@example.com`, externalId: `${prefix}-ext-${tag}`, email: `${local}@example.com`, username: local, displayName: `System User ${tag}` };
}

export function userResource(u: BurstUser): Record<string, unknown> {
  return {
    schemas: [CORE_USER],
    userName: u.userName,
    externalId: u.externalId,
    active: true,
    displayName: u.displayName,
    name: { givenName: "System", familyName: `User ${u.index}`, formatted: u.displayName },
    emails: [{ value: u.email, type: "work", primary: true }],
  };
}

export type Change = { kind: "create"; user: BurstUser } | { kind: "deactivate"; user: BurstUser };

export interface BurstPlan {
  existing: BurstUser[];
  changes: Change[];
  /** Every user and whether it ends blocked. */
  desired: { user: BurstUser; blocked: boolean }[];
}

/** Defaults: 100 existing users, then 400 creates and 100 deactivations = 500 changes. */
export function burstPlan(sizes: { existing?: number; creates?: number; deactivations?: number } = {}, prefix = "sys"): BurstPlan {
  const existingCount = sizes.existing ?? 100;
  const createCount = sizes.creates ?? 400;
  const deactivationCount = Math.min(sizes.deactivations ?? 100, existingCount);
  const existing = Array.from({ length: existingCount }, (_, i) => burstUser(i + 1, prefix));
  const created = Array.from({ length: createCount }, (_, i) => burstUser(existingCount + i + 1, prefix));
  const deactivated = existing.slice(0, deactivationCount);
  // Interleave evenly: a deactivation every (creates / deactivations) creates.
  const changes: Change[] = [];
  let d = 0;
  created.forEach((user, i) => {
    changes.push({ kind: "create", user });
    while (d < deactivated.length && (d + 1) * createCount <= (i + 1) * deactivated.length) changes.push({ kind: "deactivate", user: deactivated[d++] });
  });
  while (d < deactivated.length) changes.push({ kind: "deactivate", user: deactivated[d++] });
  const blocked = new Set(deactivated.map((u) => u.index));
  return { existing, changes, desired: [...existing, ...created].map((user) => ({ user, blocked: blocked.has(user.index) })) };
}

// ---------------------------------------------------------------------------------------------------
// SCIM over HTTP

export interface ScimAnswer {
  change: Change;
  /** The bridge that answered (its base URL). */
  bridge: string;
  status: number;
  /** performance.now() in this process when the answer had fully arrived. */
  answeredAt: number;
  body: string;
}

export class Scim {
  /** SCIM id of each user this client created, by user index. */
  readonly ids = new Map<number, string>();

  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Another bridge process on the same database, sharing what this client learnt. */
  via(baseUrl: string): Scim {
    const other = new Scim(baseUrl, this.token);
    (other as { ids: Map<number, string> }).ids = this.ids;
    return other;
  }

  async send(change: Change): Promise<ScimAnswer> {
    const headers = { authorization: `Bearer ${this.token}`, "content-type": "application/scim+json" };
    let res: Response;
    if (change.kind === "create") {
      res = await fetch(`${this.baseUrl}/scim/v2/Users`, { method: "POST", headers, body: JSON.stringify(userResource(change.user)) });
    } else {
      const id = this.ids.get(change.user.index);
      if (!id) throw new Error(`no SCIM id for ${change.user.userName}: it was not created through this client`);
      res = await fetch(`${this.baseUrl}/scim/v2/Users/${id}`, {
        method: "PATCH",
        headers,
        body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] }),
      });
    }
    const body = await res.text();
    const answeredAt = performance.now();
    if (change.kind === "create" && res.status === 201) this.ids.set(change.user.index, (JSON.parse(body) as { id: string }).id);
    return { change, bridge: this.baseUrl, status: res.status, answeredAt, body };
  }
}

/** Sends the changes with `concurrency` requests in flight, each client taking the next change in order. */
export async function sendAll(clients: Scim[], changes: Change[], concurrency = 8): Promise<ScimAnswer[]> {
  const answers: ScimAnswer[] = new Array(changes.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, lane) => {
      const client = clients[lane % clients.length];
      for (let i = next++; i < changes.length; i = next++) answers[i] = await client.send(changes[i]);
    }),
  );
  return answers;
}

/** The answers that were not 2xx, as readable lines (at most 10). */
export function failedAnswers(answers: ScimAnswer[]): string[] {
  return answers
    .filter((a) => a.status < 200 || a.status > 299)
    .slice(0, 10)
    .map((a) => `${a.change.kind} ${a.change.user.userName}: ${a.status} ${a.body.slice(0, 200)}`);
}

// ---------------------------------------------------------------------------------------------------
// GitLab as it must end up

/** What differs between GitLab and the desired state (at most 10 lines), or null when they agree. */
export function divergence(users: EmulatedUser[], desired: BurstPlan["desired"]): string | null {
  const problems: string[] = [];
  const byIdentity = new Map<string, EmulatedUser[]>();
  for (const u of users) {
    for (const i of u.identities) {
      if (i.provider !== PROVIDER) continue;
      const list = byIdentity.get(i.externUid) ?? [];
      list.push(u);
      byIdentity.set(i.externUid, list);
    }
  }
  let settled = 0;
  for (const { user, blocked } of desired) {
    const holders = byIdentity.get(user.externalId) ?? [];
    if (holders.length !== 1) {
      problems.push(`${user.externalId}: ${holders.length} GitLab users with that identity`);
      continue;
    }
    const [g] = holders;
    const want = blocked ? "blocked" : "active";
    if (g.username !== user.username || g.email !== user.email || g.state !== want) {
      problems.push(`${user.externalId}: GitLab has ${g.username} <${g.email}> ${g.state}, want ${user.username} <${user.email}> ${want}`);
    } else settled++;
  }
  // Nobody else: the seeded root admin only.
  const others = users.filter((u) => u.username !== "root").length - desired.length;
  if (others > 0) problems.push(`${others} GitLab users more than SCIM users`);
  if (problems.length === 0) return null;
  return `${settled}/${desired.length} users as desired; ${problems.length} problems, e.g. ${problems.slice(0, 10).join("; ")}`;
}

// ---------------------------------------------------------------------------------------------------
// Effects in the request log

/** A request GitLab carried out: no fault decided its answer, and the answer was 2xx. */
const effective = (r: RequestRecord) => r.fault === undefined && r.status !== null && r.status >= 200 && r.status < 300;

export interface Effects {
  /** Users created (POST /users answered 201), by username. */
  createsByUsername: Map<string, number>;
  /** POST /users answered 409 (a repeat of a create GitLab had already carried out, or a taken name). */
  createConflicts: number;
  /** POST /users/:id/block answered 201, by GitLab user id. */
  blocksById: Map<number, number>;
  /** State changes the burst never asks for: unblock, activate, deactivate, ban, unban, delete. */
  unexpected: string[];
}

export function effectsOf(records: RequestRecord[]): Effects {
  const createsByUsername = new Map<string, number>();
  const blocksById = new Map<number, number>();
  const unexpected: string[] = [];
  let createConflicts = 0;
  for (const r of records) {
    if (r.method === "POST" && r.route === "/api/v4/users") {
      if (r.status === 409) createConflicts++;
      if (effective(r)) {
        const username = (r.body as { username?: string } | undefined)?.username ?? "?";
        createsByUsername.set(username, (createsByUsername.get(username) ?? 0) + 1);
      }
    } else if (r.method === "POST" && r.route === "/api/v4/users/{id}/block" && effective(r)) {
      const id = Number(r.path.split("/")[4]);
      blocksById.set(id, (blocksById.get(id) ?? 0) + 1);
    } else if (
      effective(r) &&
      ((r.method === "POST" && /^\/api\/v4\/users\/\{id\}\/(unblock|activate|deactivate|ban|unban)$/.test(r.route ?? "")) ||
        (r.method === "DELETE" && r.route === "/api/v4/users/{id}"))
    ) {
      unexpected.push(`${r.method} ${r.path}`);
    }
  }
  return { createsByUsername, createConflicts, blocksById, unexpected };
}

/**
 * Checks "one GitLab user per SCIM user, each created once" and "each deactivated user blocked at most
 * `maxBlocks` times" (1 without crashes; 2 when a crash may have cut the answer of one block GitLab had
 * carried out, so the restarted bridge asks again and gets `null`). Returns the problems.
 */
export function duplicateEffects(effects: Effects, plan: BurstPlan, users: EmulatedUser[], maxBlocks: number): string[] {
  const problems: string[] = [];
  for (const { user } of plan.desired) {
    const n = effects.createsByUsername.get(user.username) ?? 0;
    if (n !== 1) problems.push(`${user.username} created ${n} times`);
  }
  const extra = [...effects.createsByUsername.keys()].filter((u) => !plan.desired.some((d) => d.user.username === u));
  if (extra.length) problems.push(`GitLab users created that no SCIM user asked for: ${extra.slice(0, 5).join(", ")}`);
  const idOf = new Map(users.map((u) => [u.username, u.id]));
  for (const { user, blocked } of plan.desired) {
    const n = effects.blocksById.get(idOf.get(user.username) ?? -1) ?? 0;
    if (blocked ? n < 1 || n > maxBlocks : n !== 0) problems.push(`${user.username} blocked ${n} times`);
  }
  if (effects.unexpected.length) problems.push(`state changes nobody asked for: ${effects.unexpected.slice(0, 5).join(", ")}`);
  return problems.slice(0, 20);
}
