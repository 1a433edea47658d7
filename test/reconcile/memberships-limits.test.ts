/**
 * Issue 11 items 4 and 7 over HTTP against the emulator: the mass-change guard holds a pass that would
 * remove more memberships than the connection's threshold (an IdP mistake, an empty group push) until an
 * admin approves it; GitLab faults (a burst of 503s) during a 5,000-membership push lose nothing; the
 * dry run plans memberships without a call.
 */
import { SqlParams } from "../../src/db/sql-params";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { addMapping, markTarget, targetAudit, targetOf, wakeWorkers } from "../helpers/group-mappings";
import { GROUP_SCHEMA, scimClient, userBody, type ScimClient } from "../scim/scim-client";
import { callLines, gitlabCalls, lastSeq } from "./helpers/gitlab-view";
import { levelsOf, linkedUsers, scimGroup, seedGroup, unique } from "./helpers/memberships";
import { planDirtySubjects, describePlan } from "../../src/reconcile/dirty-plans";

let bridge: ReconcilingBridge;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
});
afterAll(() => bridge?.close());

const DEVELOPER = 30;

async function ownConnection(settings: Record<string, unknown>): Promise<{ id: string; scim: ScimClient }> {
  const name = unique("conn-");
  const created = await bridge.addConnection(name);
  await bridge.updateSettings(settings, name);
  return { id: created.id, scim: scimClient(bridge, created.token) };
}

test("issue 11 item 7: removing more memberships than the threshold holds the pass (target held, nothing removed); approved, the pass goes ahead", async () => {
  const { id: connectionId, scim } = await ownConnection({ massChangeMinimum: 2, massChangePercent: 10 });
  const users = await linkedUsers(bridge, scim, 4);
  const name = unique("Mass ");
  const groupId = await scimGroup(scim, name, users);
  const g = await seedGroup(bridge);
  const { targetId } = await addMapping(bridge, { connectionId, scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  expect(Object.keys(await levelsOf(bridge, g))).toHaveLength(4);
  // An empty group push: every member leaves.
  expect((await scim("put", `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], displayName: name, members: [] })).status).toBe(200);
  const since = await lastSeq(bridge);
  await markTarget(bridge, targetId, { connectionId });
  await bridge.quiet();
  expect(Object.keys(await levelsOf(bridge, g))).toHaveLength(4);
  expect(callLines(await gitlabCalls(bridge, since)).filter((c) => c.startsWith("DELETE"))).toEqual([]);
  expect(await targetOf(bridge, targetId)).toMatchObject({ syncState: "held", lastError: expect.stringContaining(`would remove 4 memberships of ${g} (threshold 2)`) });
  const hold = await bridge.db.prisma.reconcileHold.findFirstOrThrow({ where: { connectionId, kind: "membership_removals" } });
  expect(hold.state).toBe("held");
  // A new mark plans again and joins the same open hold.
  await markTarget(bridge, targetId, { connectionId });
  await bridge.quiet();
  expect(await bridge.db.prisma.reconcileHold.count({ where: { connectionId } })).toBe(1);
  expect(Object.keys(await levelsOf(bridge, g))).toHaveLength(4);
  // Approve (part C's `approve` CLI does this transition): the held items are due now.
  const p = new SqlParams();
  await bridge.db.direct.query(
    `WITH h AS (UPDATE "ReconcileHold" SET "state" = 'approved', "openKey" = NULL, "decidedAt" = now(), "decidedBy" = 'test' WHERE "id" = ${p.uuid(hold.id)} RETURNING "id")
     UPDATE "ReconcileItem" SET "nextAttemptAt" = now() WHERE "holdId" IN (SELECT "id" FROM h)`,
    p.values,
  );
  await wakeWorkers(bridge);
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({});
  expect(await targetOf(bridge, targetId)).toMatchObject({ syncState: "synced", lastError: null, memberships: [] });
  expect((await targetAudit(bridge, targetId, "gitlab.membership.removed")).length).toBe(4);
});

test("issue 11 item 7: removals within the threshold proceed without a hold", async () => {
  const { id: connectionId, scim } = await ownConnection({ massChangeMinimum: 2 });
  const users = await linkedUsers(bridge, scim, 3);
  const name = unique("Few ");
  const groupId = await scimGroup(scim, name, users);
  const g = await seedGroup(bridge);
  const { targetId } = await addMapping(bridge, { connectionId, scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  await scim("put", `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], displayName: name, members: [{ value: users[0].id }] });
  await markTarget(bridge, targetId, { connectionId });
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [users[0].gitlabId]: DEVELOPER });
  expect(await bridge.db.prisma.reconcileHold.count({ where: { connectionId } })).toBe(0);
});

test("dry run: the target's plan is recorded (gitlab.plan) and shown by `plan`, without a GitLab call; the item waits", async () => {
  const { id: connectionId, scim } = await ownConnection({});
  const users = await linkedUsers(bridge, scim, 2);
  const name = unique("Dry ");
  await scimGroup(scim, name, users);
  const g = await seedGroup(bridge);
  await bridge.updateSettings({ dryRun: true }, (await bridge.db.prisma.connection.findUniqueOrThrow({ where: { id: connectionId } })).name);
  const since = await lastSeq(bridge);
  const { targetId } = await addMapping(bridge, { connectionId, scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  expect(callLines(await gitlabCalls(bridge, since))).toEqual([]);
  const [event] = await targetAudit(bridge, targetId, "gitlab.plan");
  expect(event.details.plan).toMatchObject({ kind: "memberships", offline: true, adds: [{ accessLevel: DEVELOPER, members: expect.arrayContaining(users.map((u) => expect.objectContaining({ gitlabUserId: u.gitlabId }))) }] });
  const plans = await planDirtySubjects(bridge.db);
  const mine = plans.find((pl) => pl.subjectId === targetId)!;
  expect(mine).toMatchObject({ subjectType: "gitlab_group", name: g, held: true });
  expect(describePlan(mine.plan)[0]).toBe(`add at level ${DEVELOPER}: ${users.map((u) => u.gitlabId).sort((x, y) => x - y).map((id) => `#${id}`).join(", ")}`);
});

test("GitLab faults (a burst of 503s) during a 5,000-membership push (500 users in 10 groups): every membership arrives, each recorded once, nothing parked", async () => {
  const { id: connectionId, scim } = await ownConnection({});
  // 500 linked users, made fast: GitLab users seeded, SCIM users linked by email.
  const n = 500;
  const groups = 10;
  const prefix = unique("bulk");
  await fetch(`${bridge.emulator.url}/-/emulator/seed`, {
    method: "POST",
    headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken, "Content-Type": "application/json" },
    body: JSON.stringify({ users: Array.from({ length: n }, (_, i) => ({ username: `${prefix}-${i}`, email: `${prefix}-${i}@example.com` })) }),
  });
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => scim("post", "/Users", userBody(`${prefix}-${i + j}@example.com`, { externalId: `${prefix}-x${i + j}` }))));
    for (const res of batch) ids.push(res.body.id);
  }
  await bridge.quiet(120_000);
  // Every third call for a while answers 503 (GitLab's front end), then GitLab recovers.
  await fetch(`${bridge.emulator.url}/-/emulator/faults`, {
    method: "PUT",
    headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken, "Content-Type": "application/json" },
    body: JSON.stringify({ errorRates: { "503": 0.3 }, randomSeed: 11 }),
  });
  const since = await lastSeq(bridge);
  const pushed: { name: string; path: string; targetId: string }[] = [];
  for (let k = 0; k < groups; k++) {
    const name = unique(`Bulk ${k} `);
    const path = await seedGroup(bridge);
    const { targetId } = await addMapping(bridge, { connectionId, scimGroup: { displayName: name }, gitlabGroup: path, accessLevel: DEVELOPER });
    const created = await scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name, members: ids.map((value) => ({ value })) });
    expect(created.status).toBe(201);
    pushed.push({ name, path, targetId });
  }
  // Quiet: done, or waiting on a backoff or the breaker after the faults.
  await bridge.quiet(120_000);
  expect((await gitlabCalls(bridge, since)).some((c) => c.status === 503)).toBe(true);
  await fetch(`${bridge.emulator.url}/-/emulator/faults`, { method: "DELETE", headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken } });
  // Nothing is parked: the retries (backoff, breaker) finish on their own once GitLab answers.
  const deadline = Date.now() + 120_000;
  const converged = async () => (await Promise.all(pushed.map(async (t) => (await targetOf(bridge, t.targetId)).syncState))).every((state) => state === "synced");
  while (!(await converged())) {
    if (Date.now() > deadline) throw new Error("the GitLab groups did not converge within 120 s after the faults ended");
    await bridge.quiet(120_000);
    await new Promise((resolve) => setTimeout(resolve, 50)); // a retry's backoff is due later: look again shortly
  }
  for (const t of pushed) {
    const levels = await levelsOf(bridge, t.path);
    expect(Object.keys(levels)).toHaveLength(n);
    expect(Object.values(levels).every((l) => l === DEVELOPER)).toBe(true);
    expect((await targetOf(bridge, t.targetId)).memberships).toHaveLength(n);
    expect(await bridge.db.prisma.auditEvent.count({ where: { subjectId: t.targetId, action: "gitlab.membership.added" } })).toBe(n);
  }
  expect(await bridge.db.prisma.reconcileItem.count({ where: { connectionId, state: "parked" } })).toBe(0);
}, 300_000);
