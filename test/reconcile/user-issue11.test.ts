/**
 * The user pass's part in issue 11, over HTTP against the emulator: the block intent recorded before
 * the call (a lost answer still lets reactivation unblock), the marks of the user's GitLab groups when
 * it is linked or leaves, the offboarding guard (item 7) and the full pass of drift repair (item 6).
 * Each test uses its own connection with the settings it needs, so tests do not depend on one another.
 */
import crypto from "node:crypto";
import type { ConnectionSettings } from "../../src/connections/settings";
import { GITLAB_USER_SCHEMA } from "../../src/provisioning/gitlab-user-state";
import { markSubjectsSql } from "../../src/provisioning/sql/mark-subjects";
import { SqlParams } from "../../src/db/sql-params";
import * as queue from "../../src/reconcile/queue";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { PATCH_OP, scimClient, userBody, type ScimClient } from "../scim/scim-client";
import { auditOf, callLines, gitlabCalls, gitlabUser, lastSeq, linkOf } from "./helpers/gitlab-view";
import { happens } from "./helpers/waits";

let bridge: ReconcilingBridge;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
});
afterAll(() => bridge?.close());
afterEach(() => bridge.emulator.faults.clear());

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;

/** A connection of its own with these settings, its id and its SCIM client. */
async function connectionWith(settings: Partial<ConnectionSettings>): Promise<{ scim: ScimClient; connectionId: string }> {
  const name = unique("conn-");
  const created = await bridge.addConnection(name);
  await bridge.updateSettings(settings, name);
  return { scim: scimClient(bridge, created.token), connectionId: created.id };
}

/** Sends a SCIM request, waits for the workers, returns the response and the GitLab calls it caused. */
async function step(send: () => PromiseLike<{ status: number; body: any }>) {
  const since = await lastSeq(bridge);
  const res = await send();
  expect(res.status).toBeLessThan(300);
  await bridge.quiet();
  return { res, calls: callLines(await gitlabCalls(bridge, since)) };
}

const setActive = (scim: ScimClient, id: string, active: boolean) => step(() => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: active }] }));

async function createdUser(scim: ScimClient) {
  const { res } = await step(() => scim("post", "/Users", userBody(`${unique("u")}@example.com`, { externalId: unique("ext-") })));
  const link = await linkOf(bridge, res.body.id);
  return { id: res.body.id as string, gitlabId: link!.gitlabUserId! };
}

/** GitLab's admin API, as an admin acting by hand. */
async function byHand(method: string, path: string): Promise<number> {
  const res = await fetch(`${bridge.emulator.url}/api/v4${path}`, { method, headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken } });
  return res.status;
}

/**
 * Wakes the workers after a write made outside SCIM and waits (with a deadline) until the user's item
 * has been passed on: done, parked or held; then for the workers to fall quiet.
 */
async function passed(scimUserId: string, timeoutMs = 20_000): Promise<void> {
  bridge.reconciler.workers.wake();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const item = await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: scimUserId });
    if (item && (item.state === "done" || item.state === "parked" || (item.state === "pending" && item.nextAttemptAt === null))) break;
    if (Date.now() > deadline) throw new Error(`the user's item was not passed on within ${timeoutMs} ms: ${JSON.stringify(item)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await bridge.quiet();
}

/** What part C's drift sweep does for a user: a full mark (the next pass reads GitLab's actual state). */
async function markFull(connectionId: string, scimUserId: string): Promise<void> {
  const p = new SqlParams();
  const sql = markSubjectsSql(p, `(SELECT ${p.uuid(scimUserId)} AS "id")`, { connectionId, subjectType: "user", full: true }, new Date());
  await bridge.db.direct.query(sql, p.values);
  await passed(scimUserId);
}

/** A GitLab group target fed by SCIM group `displayName` (the rows part B's `mapping add` writes). */
async function mappedGroup(connectionId: string, displayName: string): Promise<string> {
  const [target] = await bridge.db.direct.query<{ id: string }>(
    `INSERT INTO "GitLabGroupTarget" ("id", "connectionId", "fullPath", "fullPathKey") VALUES (gen_random_uuid(), $1::uuid, $2, lower($2)) RETURNING "id"::text AS "id"`,
    [connectionId, `acme/${displayName}`],
  );
  await bridge.db.direct.query(
    `INSERT INTO "GroupMapping" ("id", "connectionId", "matchBy", "matchValue", "targetId", "accessLevel", "createdBy") VALUES (gen_random_uuid(), $1::uuid, 'displayName', lower($2), $3::uuid, 30, 'test')`,
    [connectionId, displayName, target.id],
  );
  return target.id;
}

describe("block intent: stateByBridge is recorded before the block call", () => {
  test("a block GitLab carried out whose answer was lost (client retries, `null`) is the bridge's: reactivation unblocks", async () => {
    const { scim } = await connectionWith({});
    const { id, gitlabId } = await createdUser(scim);
    bridge.emulator.faults.set({ script: [{ method: "POST", path: `/api/v4/users/${gitlabId}/block`, times: 1, lose: true }] });
    const off = await setActive(scim, id, false);
    expect(off.calls.filter((c) => c.endsWith("/block"))).toEqual([`POST /api/v4/users/${gitlabId}/block`, `POST /api/v4/users/${gitlabId}/block`]);
    expect((await gitlabUser(bridge, gitlabId))!.state).toBe("blocked");
    expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: "blocked", syncState: "synced" });
    const blocked = (await auditOf(bridge, id)).filter((a) => a.action === "gitlab.user.blocked");
    expect(blocked).toEqual([expect.objectContaining({ details: expect.objectContaining({ result: "unchanged", note: expect.stringContaining("bridge's earlier call") }) })]);

    const on = await setActive(scim, id, true);
    expect(on.calls).toEqual([`POST /api/v4/users/${gitlabId}/unblock`]);
    expect((await gitlabUser(bridge, gitlabId))!.state).toBe("active");
  });

  test("an unconfirmed intent (a pass that failed after it) makes the next pass call block again and keep the block as the bridge's", async () => {
    const { scim } = await connectionWith({});
    const { id, gitlabId } = await createdUser(scim);
    // The first answer is a permanent refusal after the intent: the pass parks; the intent stays, unconfirmed.
    bridge.emulator.faults.set({ script: [{ method: "POST", path: `/api/v4/users/${gitlabId}/block`, times: 1, respond: { status: 422, body: { message: "refused once" } } }] });
    await setActive(scim, id, false);
    expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: "blocked", syncState: "failed" });
    // Someone blocks the user meanwhile; the retry's block answers null, yet the intent predates it.
    expect(await byHand("POST", `/users/${gitlabId}/block`)).toBe(201);
    await queue.retry(bridge.db.direct, { subjectType: "user", subjectId: id }, new Date());
    await passed(id);
    expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: "blocked", syncState: "synced" });
  });

  test("a user blocked by someone else before the bridge's first call stays theirs (the intent is withdrawn)", async () => {
    const { scim } = await connectionWith({});
    const { id, gitlabId } = await createdUser(scim);
    expect(await byHand("POST", `/users/${gitlabId}/block`)).toBe(201);
    await setActive(scim, id, false);
    expect(await linkOf(bridge, id)).toMatchObject({ stateByBridge: null, syncState: "synced" });
    expect((await setActive(scim, id, true)).calls).toEqual([]);
    expect((await gitlabUser(bridge, gitlabId))!.state).toBe("blocked");
  });
});

describe("issue 11: the settle marks the user's GitLab groups", () => {
  test("a leaver's GitLab groups are marked with offboarding priority (0), a returner's with membership priority (2); appliedActive follows", async () => {
    const { scim, connectionId } = await connectionWith({});
    const group = unique("devs");
    const targetId = await mappedGroup(connectionId, group);
    const { id } = await createdUser(scim);
    await step(() => scim("post", "/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: group, members: [{ value: id }] }));
    expect(await linkOf(bridge, id)).toMatchObject({ appliedActive: true });
    // Joining a group is the SCIM group pass's to mark; the user pass has nothing new to say.
    const joined = await queue.findItem(bridge.db.direct, { subjectType: "gitlab_group", subjectId: targetId });
    expect(joined).toMatchObject({ priority: 2 });

    await setActive(scim, id, false);
    expect(await linkOf(bridge, id)).toMatchObject({ appliedActive: false, stateByBridge: "blocked" });
    const left = await queue.findItem(bridge.db.direct, { subjectType: "gitlab_group", subjectId: targetId });
    expect(left!.generation).toBeGreaterThan(joined!.generation);
    expect(left).toMatchObject({ priority: 0 });
    expect((await auditOf(bridge, id)).map((a) => a.action).slice(-1)).toEqual(["gitlab.user.blocked"]);

    await setActive(scim, id, true);
    expect(await linkOf(bridge, id)).toMatchObject({ appliedActive: true, stateByBridge: null });
    const back = await queue.findItem(bridge.db.direct, { subjectType: "gitlab_group", subjectId: targetId });
    expect(back!.generation).toBeGreaterThan(left!.generation);
    expect(back).toMatchObject({ priority: 2 });
    // A profile change changes nothing about memberships: no mark.
    await step(() => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Renamed" }] }));
    expect((await queue.findItem(bridge.db.direct, { subjectType: "gitlab_group", subjectId: targetId }))!.generation).toBe(back!.generation);
  });

  test("a newly linked member of a mapped group marks the group at membership priority (2)", async () => {
    const { scim, connectionId } = await connectionWith({});
    const group = unique("ops");
    const targetId = await mappedGroup(connectionId, group);
    const gid = (await step(() => scim("post", "/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: group }))).res.body.id;
    // The user is posted inactive first (not linked: nothing to create), then joins, then becomes active and is created.
    const { res } = await step(() => scim("post", "/Users", userBody(`${unique("w")}@example.com`, { externalId: unique("ext-"), active: false })));
    await step(() => scim("patch", `/Groups/${gid}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: res.body.id }] }] }));
    // (The group's own pass marked its GitLab group when the member joined.)
    const beforeLink = await queue.findItem(bridge.db.direct, { subjectType: "gitlab_group", subjectId: targetId });
    await setActive(scim, res.body.id, true);
    expect(await linkOf(bridge, res.body.id)).toMatchObject({ linkedBy: "created", appliedActive: true });
    const afterLink = await queue.findItem(bridge.db.direct, { subjectType: "gitlab_group", subjectId: targetId });
    expect(afterLink!.generation).toBeGreaterThan(beforeLink!.generation);
    expect(afterLink).toMatchObject({ priority: 2 });
  });
});

describe("issue 11: a link made while its GitLab group's pass waits", () => {
  test("the group's item is left as it is (its pass has not started and reads the link); the retry adds the member", async () => {
    const { scim, connectionId } = await connectionWith({});
    const group = unique("qa");
    if (!bridge.emulator.state.findGroupByFullPath("acme")) bridge.emulator.seed({ groups: [{ path: "acme" }] });
    bridge.emulator.seed({ groups: [{ path: group, parent: "acme" }] });
    const targetId = await mappedGroup(connectionId, group);
    // The user, not linked yet (inactive: nothing to create), is a member of the group.
    const { res: user } = await step(() => scim("post", "/Users", userBody(`${unique("q")}@example.com`, { externalId: unique("ext-"), active: false })));
    // GitLab throttles the group's lookup (an endpoint limit, not GitLab-wide): its pass waits >= 2 s for a retry.
    bridge.emulator.faults.set({
      script: [{ method: "GET", path: `/api/v4/groups/${encodeURIComponent(`acme/${group}`)}`, times: 3, respond: { status: 429, body: { message: { error: "This endpoint has been requested too many times. Try again later." } }, headers: { "Retry-After": "2" } } }],
    });
    await step(() => scim("post", "/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: group, members: [{ value: user.body.id }] }));
    const waiting = await queue.findItem(bridge.db.direct, { subjectType: "gitlab_group", subjectId: targetId });
    expect(waiting).toMatchObject({ state: "pending", lastError: expect.stringContaining("429") });
    expect(waiting!.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now());

    await setActive(scim, user.body.id, true);
    const link = await linkOf(bridge, user.body.id);
    expect(link).toMatchObject({ linkedBy: "created", appliedActive: true });
    expect(await queue.findItem(bridge.db.direct, { subjectType: "gitlab_group", subjectId: targetId })).toEqual(waiting);

    const gitlabGroupId = bridge.emulator.state.findGroupByFullPath(`acme/${group}`)!.id;
    await happens("the member's add", async () => {
      bridge.reconciler.workers.wake();
      return bridge.emulator.state.directMembers(gitlabGroupId).has(link!.gitlabUserId!);
    });
    expect(bridge.emulator.state.directMembers(gitlabGroupId).get(link!.gitlabUserId!)).toMatchObject({ accessLevel: 30 });
  });
});

describe("issue 11 item 7: the offboarding guard", () => {
  test("more deprovisionings in an hour than the threshold: the next is held (link held, hold open); approved, it proceeds", async () => {
    const { scim, connectionId } = await connectionWith({ massChangePercent: 0, massChangeMinimum: 2 });
    const users = [];
    for (let i = 0; i < 3; i++) users.push(await createdUser(scim));
    await setActive(scim, users[0].id, false);
    await setActive(scim, users[1].id, false);
    const third = await setActive(scim, users[2].id, false);
    expect(third.calls).toEqual([]);
    expect((await gitlabUser(bridge, users[2].gitlabId))!.state).toBe("active");
    expect(await linkOf(bridge, users[2].id)).toMatchObject({ syncState: "held", stateByBridge: null, lastError: expect.stringContaining("threshold 2") });
    const [hold] = await bridge.db.direct.query<{ id: string; state: string; kind: string }>(`SELECT "id"::text AS "id", "state"::text AS "state", "kind" FROM "ReconcileHold" WHERE "connectionId" = $1::uuid`, [connectionId]);
    expect(hold).toMatchObject({ state: "held", kind: "offboardings" });
    expect(await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: users[2].id })).toMatchObject({ state: "pending", nextAttemptAt: null, holdId: hold.id });
    // The IdP sees it too (issue 11 item 7: the bridge reports held).
    expect((await scim("get", `/Users/${users[2].id}`)).body[GITLAB_USER_SCHEMA]).toMatchObject({ syncState: "held", lastError: expect.stringContaining("mass-change guard") });

    // An admin approves (part C's `approve`: the hold approved, its items due now).
    await bridge.db.direct.query(`UPDATE "ReconcileHold" SET "state" = 'approved', "openKey" = NULL, "decidedAt" = now(), "decidedBy" = 'test' WHERE "id" = $1::uuid`, [hold.id]);
    await bridge.db.direct.query(`UPDATE "ReconcileItem" SET "nextAttemptAt" = now() WHERE "holdId" = $1::uuid`, [hold.id]);
    await passed(users[2].id);
    expect((await gitlabUser(bridge, users[2].gitlabId))!.state).toBe("blocked");
    expect(await linkOf(bridge, users[2].id)).toMatchObject({ syncState: "synced", stateByBridge: "blocked" });
    expect((await scim("get", `/Users/${users[2].id}`)).body[GITLAB_USER_SCHEMA]).toMatchObject({ syncState: "synced" });
  });
});

describe("issue 11 item 6: a full pass of a user (drift repair)", () => {
  test("a leaver the bridge blocked, unblocked by hand: a full pass reads the account and blocks it again (gitlab.drift.user)", async () => {
    const { scim, connectionId } = await connectionWith({});
    const { id, gitlabId } = await createdUser(scim);
    await setActive(scim, id, false);
    expect(await byHand("POST", `/users/${gitlabId}/unblock`)).toBe(201);
    const since = await lastSeq(bridge);
    await markFull(connectionId, id);
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([`GET /api/v4/users/${gitlabId}`, `POST /api/v4/users/${gitlabId}/block`]);
    expect((await gitlabUser(bridge, gitlabId))!.state).toBe("blocked");
    expect((await auditOf(bridge, id)).filter((a) => a.action === "gitlab.drift.user")).toEqual([expect.objectContaining({ details: { gitlabUserId: gitlabId, expected: "blocked", found: "active" } })]);
    expect(await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: id })).toMatchObject({ state: "done", full: false });
    // Nothing drifted: a full pass only reads.
    const quiet = await lastSeq(bridge);
    await markFull(connectionId, id);
    expect(callLines(await gitlabCalls(bridge, quiet))).toEqual([`GET /api/v4/users/${gitlabId}`]);
  });

  test("a linked GitLab user deleted outside the bridge: recorded as gone; a live active user is a conflict, not a second account", async () => {
    const { scim, connectionId } = await connectionWith({});
    const { id, gitlabId } = await createdUser(scim);
    expect(await byHand("DELETE", `/users/${gitlabId}?hard_delete=true`)).toBe(204);
    bridge.emulator.flushJobs();
    const since = await lastSeq(bridge);
    await markFull(connectionId, id);
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([`GET /api/v4/users/${gitlabId}`]);
    expect(await linkOf(bridge, id)).toMatchObject({ gitlabDeletedAt: expect.any(Date), syncState: "conflict", lastError: expect.stringContaining("deleted outside the bridge") });
    expect((await auditOf(bridge, id)).map((a) => a.action)).toEqual(expect.arrayContaining(["gitlab.drift.user", "gitlab.user.conflict"]));
  });
});
