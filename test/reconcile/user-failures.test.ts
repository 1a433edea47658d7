/**
 * Queue outcomes of a user's pass (issue 10 §3) against the emulator's scripted faults: a retryable
 * failure (5xx, 429) goes back to pending after a backoff that honours Retry-After, and converges once
 * GitLab answers; a permanent refusal parks the subject as failed with GitLab's message, after one
 * call. Every exchange is one gitlab.call audit event carrying the SCIM request's id.
 */
import crypto from "node:crypto";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import * as queue from "../../src/reconcile/queue";
import { PATCH_OP, scimClient, userBody, type ScimClient } from "../scim/scim-client";
import { auditOf, callLines, gitlabCalls, lastSeq, linkOf } from "./helpers/gitlab-view";
import { happens, until } from "./helpers/waits";

let bridge: ReconcilingBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge?.close());
afterEach(() => bridge.emulator.faults.clear());

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;

test("429 with Retry-After on the create: retried by the client, then the pass fails and waits at least Retry-After; then it converges", async () => {
  bridge.emulator.faults.set({ script: [{ method: "POST", path: "/api/v4/users", times: 3, respond: { status: 429, body: { message: { error: "This endpoint has been requested too many times. Try again later." } }, headers: { "Retry-After": "2" } } }] });
  const since = await lastSeq(bridge);
  const res = await scim("post", "/Users", userBody(`${unique("retry")}@example.com`, { externalId: unique("ext-") }));
  const id = res.body.id as string;
  await bridge.quiet();
  const item = (await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: id }))!;
  expect(item).toMatchObject({ state: "pending", attempts: 1, lastError: expect.stringContaining("429") });
  expect(item.nextAttemptAt!.getTime() - item.lastErrorAt!.getTime()).toBeGreaterThanOrEqual(2_000);
  expect(await linkOf(bridge, id)).toMatchObject({ syncState: "pending", lastError: expect.stringContaining("429") });
  const link = await until(bridge, () => linkOf(bridge, id), (l) => l?.syncState === "synced");
  expect(link).toMatchObject({ linkedBy: "created", lastError: null });
  expect(callLines(await gitlabCalls(bridge, since))).toEqual(["POST /api/v4/users", "POST /api/v4/users", "POST /api/v4/users", "POST /api/v4/users"]);
  const calls = (await auditOf(bridge, id)).filter((a) => a.action === "gitlab.call");
  expect(calls.map((c) => c.details.status)).toEqual([429, 429, 429, 201]);
  expect(calls.map((c) => c.details.attempt)).toEqual([1, 2, 3, 1]);
  expect(calls.every((c) => c.requestId === res.headers["x-request-id"])).toBe(true);
  expect(await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: id })).toMatchObject({ state: "done", attempts: 0 });
});

test("a claim takes several due items at once; stopping hands back the ones no worker started, without spending an attempt", async () => {
  const own = await startReconcilingBridge({ env: { RECONCILE_WORKERS: "2" } });
  try {
    // The first create answers after 1.5 s, every later one would take a minute.
    own.emulator.faults.set({ script: [{ method: "POST", path: "/api/v4/users", times: 1, delayMs: 1_500 }, { method: "POST", path: "/api/v4/users", times: 100, delayMs: 60_000 }] });
    const post = async (n: number) => (await scimClient(own)("post", "/Users", userBody(`${unique(`batch${n}-`)}@example.com`, { externalId: unique("ext-") }))).body.id as string;
    const states = async (ids: string[]) => Promise.all(ids.map(async (id) => (await queue.findItem(own.db.direct, { subjectType: "user", subjectId: id }))!));
    const first = [await post(1)];
    await happens("the first create reaching GitLab", async () => own.emulator.inFlight.current === 1);
    first.push(await post(2));
    await happens("the second create reaching GitLab", async () => own.emulator.inFlight.current === 2);
    // Both workers are busy: these wait, due, until the first create answers and its worker claims two.
    const waiting = [await post(3), await post(4), await post(5)];
    await happens("a batch of two claimed", async () => (await states(waiting)).filter((item) => item.state === "claimed").length === 2);
    const batch = (await states(waiting)).filter((item) => item.state === "claimed");
    expect(new Set(batch.map((item) => item.claimedBy)).size).toBe(1); // one claim statement took both
    await happens("one of the batch's creates reaching GitLab", async () => own.emulator.inFlight.current === 2);

    await own.reconciler.stop();
    expect(await states([...first.slice(1), ...waiting])).toEqual(Array(4).fill(expect.objectContaining({ state: "pending", attempts: 0, claimedBy: null })));
    expect((await states(first.slice(0, 1)))[0]).toMatchObject({ state: "done" });
  } finally {
    await own.close();
  }
});

test("a batch's item whose lease ran out while every worker was busy is not worked on once another instance has taken it over", async () => {
  const own = await startReconcilingBridge({ env: { RECONCILE_WORKERS: "2", RECONCILE_LEASE_MS: "3000" } });
  try {
    // Creates answer after 1.5 s, then a minute (the second worker is held up), then 6 s, then at once.
    own.emulator.faults.set({
      script: [
        { method: "POST", path: "/api/v4/users", times: 1, delayMs: 1_500 },
        { method: "POST", path: "/api/v4/users", times: 1, delayMs: 60_000 },
        { method: "POST", path: "/api/v4/users", times: 1, delayMs: 6_000 },
      ],
    });
    const emails: string[] = [];
    const post = async (n: number) => {
      emails[n] = `${unique(`lease${n}-`)}@example.com`;
      return (await scimClient(own)("post", "/Users", userBody(emails[n], { externalId: unique("ext-") }))).body.id as string;
    };
    const item = async (id: string) => (await queue.findItem(own.db.direct, { subjectType: "user", subjectId: id }))!;
    await post(1);
    await happens("the first create reaching GitLab", async () => own.emulator.inFlight.current === 1);
    await post(2);
    await happens("the second create reaching GitLab", async () => own.emulator.inFlight.current === 2);
    const [third, fourth] = [await post(3), await post(4)];
    // The first worker claims the third and fourth together and works on the third for 6 s.
    await happens("the batch claimed", async () => (await item(third)).state === "claimed" && (await item(fourth)).state === "claimed");
    await happens("the fourth's lease ending", async () => (await item(fourth)).nextAttemptAt!.getTime() < Date.now());
    const taken = await queue.claim(own.db.direct, { claimedBy: "other-instance/0", limit: 1, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, new Date());
    expect(taken.map((c) => c.subjectId)).toEqual([fourth]);
    const fifth = await post(5);
    // Done with the third, the worker drops the fourth (no longer its claim) and goes on to the fifth.
    await happens("the fifth created", async () => (await item(fifth)).state === "done");
    const created = (await gitlabCalls(own)).filter((c) => c.method === "POST" && c.path === "/api/v4/users").map((c) => (c.body as { email?: string } | undefined)?.email);
    expect(created).toContain(emails[5]);
    expect(created).not.toContain(emails[4]);
    expect(await item(fourth)).toMatchObject({ state: "claimed", claimedBy: "other-instance/0" });
  } finally {
    await own.close();
  }
});

test("a permanent refusal (400) parks the user as failed with GitLab's message, after one call", async () => {
  const res = await scim("post", "/Users", userBody(`${unique("perm")}@example.com`, { externalId: unique("ext-") }));
  const id = res.body.id as string;
  await bridge.quiet();
  const gitlabId = (await linkOf(bridge, id))!.gitlabUserId!;
  bridge.emulator.faults.set({ script: [{ method: "PUT", path: `/api/v4/users/${gitlabId}`, times: 1, respond: { status: 400, body: { message: { name: ["is too long (maximum is 255 characters)"] } } } }] });
  const since = await lastSeq(bridge);
  await scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Too Long" }] });
  await bridge.quiet();
  expect(callLines(await gitlabCalls(bridge, since))).toEqual([`PUT /api/v4/users/${gitlabId}`]);
  expect(await linkOf(bridge, id)).toMatchObject({ syncState: "failed", lastError: expect.stringContaining("name is too long") });
  expect(await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: id })).toMatchObject({ state: "parked", parkedReason: "permanent_error" });
  expect((await auditOf(bridge, id)).map((a) => a.action).slice(-2)).toEqual(["gitlab.call", "gitlab.user.failed"]);
  // An admin's retry (queue.retry, the CLI's `retry`) makes it due again; GitLab now takes it.
  await queue.retry(bridge.db.direct, { subjectType: "user", subjectId: id }, new Date());
  bridge.reconciler.workers.wake();
  await until(bridge, () => linkOf(bridge, id), (l) => l?.syncState === "synced");
  expect(await linkOf(bridge, id)).toMatchObject({ appliedName: "Too Long", lastError: null });
});

test("stopping the workers mid-call releases the claim without spending an attempt, without waiting for the call", async () => {
  const own = await startReconcilingBridge();
  try {
    own.emulator.faults.set({ script: [{ method: "POST", path: "/api/v4/users", times: 1, delayMs: 60_000 }] });
    const res = await scimClient(own)("post", "/Users", userBody(`${unique("stop")}@example.com`, { externalId: unique("ext-") }));
    const id = res.body.id as string;
    const find = () => queue.findItem(own.db.direct, { subjectType: "user", subjectId: id });
    await happens("the create reaching GitLab", async () => (await find())?.state === "claimed" && own.emulator.inFlight.current > 0);
    const stopping = Date.now();
    await own.reconciler.stop();
    // The call in flight was cancelled, not waited for (its answer would take a minute).
    expect(Date.now() - stopping).toBeLessThan(30_000);
    expect(await find()).toMatchObject({ state: "pending", attempts: 0, claimedBy: null });
    expect(own.reconciler.workers.running).toBe(false);
  } finally {
    await own.close();
  }
});
