/**
 * The queue seen from the IdP's side: SCIM writes over real HTTP mark their subjects, and a write that
 * arrives while a worker holds the subject bumps the generation without erasing what the queue learnt
 * (issue 9 §7). The SCIM writes use the server's clock; the worker here uses a clock that starts
 * after them and only moves forward.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import * as queue from "../../src/reconcile/queue";
import { createGroup, createUser, PATCH_OP, scimClient, type ScimClient } from "../scim/scim-client";

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge.close());

const POLICY = { ...queue.DEFAULT_RETRY_POLICY, baseDelayMs: 1_000 };
const LEASE = 60_000;
const runner = () => bridge.db.direct;

/** Claims everything due and returns the claim of one subject; the test fails if others were due. */
async function claimOnly(subjectId: string, now: Date): Promise<queue.Claim> {
  const claims = await queue.claim(runner(), { claimedBy: "worker-1", limit: 10, leaseMs: LEASE }, POLICY, now);
  expect(claims.map((c) => c.subjectId)).toEqual([subjectId]);
  return claims[0];
}

/** A worker whose first attempt failed and whose second attempt is running: history worth keeping. */
async function failOnceThenHold(subjectId: string): Promise<{ held: queue.Claim; clock: Date }> {
  const first = await claimOnly(subjectId, new Date());
  const failed = await queue.fail(runner(), first, { error: "GitLab answered 502" }, POLICY, new Date());
  const clock = failed!.nextAttemptAt!;
  return { held: await claimOnly(subjectId, clock), clock };
}

test("RFC 7644 §3.3 POST /Users marks the new user pending at generation 1", async () => {
  const user = await createUser(scim, "marked");
  const item = await queue.findItem(runner(), { subjectType: "user", subjectId: user.id });
  expect(item).toMatchObject({ state: "pending", generation: 1, attempts: 0, connectionId: bridge.connectionId, lastError: null });
  await queue.complete(runner(), await claimOnly(user.id, new Date()), new Date());
});

test("issue 9 §7 a PATCH while a worker holds the user keeps the claim, attempts and last error; complete leaves the user due", async () => {
  const user = await createUser(scim, "held");
  const { held, clock } = await failOnceThenHold(user.id);
  const res = await scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
  expect(res.status).toBe(200);
  expect(await queue.findItem(runner(), { subjectType: "user", subjectId: user.id })).toMatchObject({
    state: "claimed",
    claimedBy: "worker-1",
    generation: 2,
    claimedGeneration: 1,
    attempts: 2,
    lastError: "GitLab answered 502",
    nextAttemptAt: held.leaseUntil,
  });
  expect(await queue.complete(runner(), held, clock)).toMatchObject({ state: "pending", generation: 2, nextAttemptAt: clock, lastError: "GitLab answered 502" });
  const next = await claimOnly(user.id, clock);
  expect(next.generation).toBe(2);
  expect((await queue.complete(runner(), next, clock))?.state).toBe("done");
});

test("RFC 7644 §3.6 DELETE while a worker holds the group's member marks user and group and keeps the user's history", async () => {
  const user = await createUser(scim, "leaver");
  await queue.complete(runner(), await claimOnly(user.id, new Date()), new Date());
  const group = await createGroup(scim, "Leavers", [user.id]);
  await queue.complete(runner(), await claimOnly(group.id, new Date()), new Date());
  await scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Leaving" }] });
  const { held, clock } = await failOnceThenHold(user.id);
  expect((await scim("delete", `/Users/${user.id}`)).status).toBe(204);
  expect(await queue.findItem(runner(), { subjectType: "user", subjectId: user.id })).toMatchObject({ state: "claimed", generation: 3, attempts: 2, lastError: "GitLab answered 502" });
  expect(await queue.findItem(runner(), { subjectType: "group", subjectId: group.id })).toMatchObject({ state: "pending", generation: 2 });
  expect(await queue.complete(runner(), held, clock)).toMatchObject({ state: "pending", generation: 3 });
  const last = await queue.claim(runner(), { claimedBy: "worker-1", limit: 10, leaseMs: LEASE }, POLICY, clock);
  expect(last.map((c) => `${c.subjectType}:${c.generation}`).sort()).toEqual(["group:2", "user:3"]);
  for (const c of last) await queue.complete(runner(), c, clock);
});
