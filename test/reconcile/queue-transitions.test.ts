/**
 * The reconcile queue's state machine (src/reconcile/queue.ts), every edge and every forbidden edge,
 * on a real database (PGlite, and PostgreSQL when TEST_DATABASE_URL is set). Subjects are marked with
 * the one mark statement the SCIM writes use; the clock is the test's own, passed to each transition.
 */
import crypto from "node:crypto";
import { SqlParams } from "../../src/db/sql-params";
import { markSubjectsSql, type SubjectType } from "../../src/provisioning/sql/mark-subjects";
import * as queue from "../../src/reconcile/queue";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

let testDb: TestDatabase;
const runner = () => testDb.db.direct;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.close());

const SECOND = 1_000;
const HOUR = 3_600_000;
const LEASE = 30 * SECOND;
const POLICY: queue.RetryPolicy = { baseDelayMs: SECOND, maxDelayMs: HOUR, maxAttempts: 10, maxFailingMs: 24 * HOUR };

/**
 * Each test works in its own connection and its own stretch of time: every scope's clock starts a year
 * before the previous scope's, and a claim only takes items due by its clock, so no test ever sees
 * another's items, whatever ran before it.
 */
interface Scope {
  connectionId: string;
  T0: Date;
  at(ms: number): Date;
  mark(subjectIds: string[], now: Date, subjectType?: SubjectType): Promise<void>;
  /** Claims due items; fails the test if it takes another test's. */
  claim(claimedBy: string, now: Date, options?: { limit?: number; policy?: queue.RetryPolicy }): Promise<queue.Claim[]>;
  item(subjectId: string, subjectType?: SubjectType): Promise<queue.QueueItem>;
}

let scopes = 0;
const YEAR = 365 * 24 * 3_600_000;

function newScope(): Scope {
  const connectionId = crypto.randomUUID();
  const T0 = new Date(Date.UTC(2020, 0, 1) - ++scopes * YEAR);
  const mine = new Set<string>();
  return {
    connectionId,
    T0,
    at: (ms) => new Date(T0.getTime() + ms),
    async mark(subjectIds, now, subjectType = "user") {
      for (const id of subjectIds) mine.add(id);
      const p = new SqlParams();
      const statement = `WITH s AS (SELECT unnest(${p.add(subjectIds)}::uuid[]) AS "id") ${markSubjectsSql(p, "s", { connectionId, subjectType }, now)}`;
      await runner().query(statement, p.values);
    },
    async claim(claimedBy, now, options = {}) {
      const claims = await queue.claim(runner(), { claimedBy, limit: options.limit ?? 1000, leaseMs: LEASE }, options.policy ?? POLICY, now);
      const foreign = claims.filter((c) => !mine.has(c.subjectId));
      if (foreign.length > 0) throw new Error(`claimed another test's items: ${foreign.map((c) => c.subjectId).join(", ")}`);
      return claims;
    },
    async item(subjectId, subjectType = "user") {
      const found = await queue.findItem(runner(), { subjectType, subjectId });
      if (!found) throw new Error(`no queue item for ${subjectType} ${subjectId}`);
      return found;
    },
  };
}

const ids = (n: number) => Array.from({ length: n }, () => crypto.randomUUID());

/** A new scope with one subject marked at its T0. */
async function markedSubject(): Promise<{ s: Scope; T0: Date; at: (ms: number) => Date; id: string }> {
  const s = newScope();
  const [id] = ids(1);
  await s.mark([id], s.T0);
  return { s, T0: s.T0, at: s.at, id };
}


describe("mark (design: a new mark bumps the generation and makes the subject due)", () => {
  test("a first mark creates a pending item due now, generation 1, no attempts", async () => {
    const { s, T0, at, id } = await markedSubject();
    expect(await s.item(id)).toMatchObject({ state: "pending", generation: 1, attempts: 0, nextAttemptAt: T0, dirtyAt: T0, connectionId: s.connectionId, lastError: null });
  });

  test("a burst of marks collapses into one item whose generation keeps rising, keeping its place in line", async () => {
    const { s, T0, at, id } = await markedSubject();
    await s.mark([id], at(5 * SECOND));
    await s.mark([id], at(9 * SECOND));
    expect(await s.item(id)).toMatchObject({ state: "pending", generation: 3, nextAttemptAt: T0, dirtyAt: at(9 * SECOND) });
  });

  test("a mark of a done item makes it pending and due now", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    expect((await queue.complete(runner(), c, at(SECOND)))?.state).toBe("done");
    await s.mark([id], at(HOUR));
    expect(await s.item(id)).toMatchObject({ state: "pending", generation: 2, attempts: 0, nextAttemptAt: at(HOUR) });
  });

  test("a mark of an item backing off makes it due now but keeps its attempts and last error", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    const failed = await queue.fail(runner(), c, { error: "GitLab 500" }, POLICY, T0);
    expect(failed?.nextAttemptAt!.getTime()).toBeGreaterThan(T0.getTime());
    await s.mark([id], at(100));
    expect(await s.item(id)).toMatchObject({ state: "pending", generation: 2, attempts: 1, lastError: "GitLab 500", lastErrorAt: T0, nextAttemptAt: at(100) });
  });
});

describe("claim (design: claim due marks, FOR UPDATE SKIP LOCKED, lease)", () => {
  test("takes due items in due order up to the limit, leaves future ones, and records worker, lease, generation and attempt", async () => {
    const s = newScope();
    const { T0, at } = s;
    const [a, b, c, later] = ids(4);
    await s.mark([b], at(2 * SECOND));
    await s.mark([a], at(1 * SECOND));
    await s.mark([c], at(3 * SECOND));
    await s.mark([later], at(HOUR));
    const now = at(10 * SECOND);
    const first = await queue.claim(runner(), { claimedBy: "w1", limit: 2, leaseMs: LEASE }, POLICY, now);
    expect(first.map((x) => x.subjectId).sort()).toEqual([a, b].sort());
    expect(first[0]).toMatchObject({ claimedBy: "w1", generation: 1, attempt: 1, leaseUntil: at(10 * SECOND + LEASE), connectionId: s.connectionId, subjectType: "user" });
    expect(await s.item(a)).toMatchObject({ state: "claimed", claimedBy: "w1", claimedGeneration: 1, attempts: 1, nextAttemptAt: at(10 * SECOND + LEASE) });
    expect((await s.claim("w2", now)).map((x) => x.subjectId)).toEqual([c]);
    expect(await s.claim("w3", now)).toEqual([]);
    expect((await s.item(later)).state).toBe("pending");
    for (const x of first) await queue.complete(runner(), x, now);
  });

  test("a claimed item is not claimed again while its lease lasts", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    expect(await s.claim("w2", at(LEASE - 1))).toEqual([]);
    await queue.complete(runner(), c, at(LEASE - 1));
  });

  test("an expired lease is reclaimed by another worker as a new attempt; the old claim can no longer finish", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [old] = await s.claim("w1", T0);
    const [taken] = await s.claim("w2", at(LEASE));
    expect(taken).toMatchObject({ subjectId: id, claimedBy: "w2", attempt: 2, generation: 1 });
    expect(await s.item(id)).toMatchObject({ state: "claimed", claimedBy: "w2", attempts: 2, lastErrorAt: at(LEASE), firstFailedAt: at(LEASE) });
    expect((await s.item(id)).lastError).toMatch(/lease of w1 ended/);
    expect(await queue.complete(runner(), old, at(LEASE + 1))).toBeNull();
    expect(await queue.fail(runner(), old, { error: "late" }, POLICY, at(LEASE + 1))).toBeNull();
    expect(await queue.park(runner(), old, "late", at(LEASE + 1))).toBeNull();
    expect(await queue.renew(runner(), old, LEASE, at(LEASE + 1))).toBeNull();
    expect((await queue.complete(runner(), taken, at(LEASE + 2)))?.state).toBe("done");
  });

  test("the same worker reclaiming its own expired lease gets a new claim; the stale one is refused", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [stale] = await s.claim("w1", T0);
    const [fresh] = await s.claim("w1", at(LEASE));
    expect(fresh.attempt).toBe(stale.attempt + 1);
    expect(await queue.complete(runner(), stale, at(LEASE + 1))).toBeNull();
    expect((await queue.complete(runner(), fresh, at(LEASE + 1)))?.state).toBe("done");
  });

  test("a lease that keeps expiring parks the item once the attempt budget is spent (a subject that kills its worker)", async () => {
    const { s, T0, id } = await markedSubject();
    const policy = { ...POLICY, maxAttempts: 3 };
    let now = T0;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [c] = await s.claim(`w${attempt}`, now, { policy });
      expect(c.attempt).toBe(attempt);
      now = c.leaseUntil;
    }
    expect(await s.claim("w4", now, { policy })).toEqual([]);
    expect(await s.item(id)).toMatchObject({ state: "parked", parkedReason: "attempt_budget", attempts: 3, nextAttemptAt: null, claimedBy: null });
    expect((await s.item(id)).lastError).toMatch(/lease of w3 ended before it completed attempt 3/);
  });

  test("renew extends the lease of the worker's own claim only", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    const renewed = await queue.renew(runner(), c, 2 * LEASE, at(LEASE - 1));
    const { user: _loaded, ...held } = c; // the claim's read of the subject is not renewed
    expect(renewed).toMatchObject({ ...held, leaseUntil: at(3 * LEASE - 1) });
    expect(await s.claim("w2", at(LEASE + 1))).toEqual([]);
    expect(await queue.renew(runner(), { ...c, claimedBy: "w2" }, LEASE, at(LEASE + 2))).toBeNull();
    expect((await queue.complete(runner(), renewed!, at(LEASE + 2)))?.state).toBe("done");
  });
});

describe("release (design: while GitLab is down or throttling, workers wait on it instead of spending each subject's retry budget)", () => {
  test("hands the claim back without counting the attempt, due at the breaker's next probe; history untouched", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [first] = await s.claim("w1", T0);
    await queue.fail(runner(), first, { error: "GitLab 500" }, POLICY, T0);
    const [c] = await s.claim("w1", at(HOUR));
    expect(c.attempt).toBe(2);
    const released = await queue.release(runner(), c, at(2 * HOUR), at(HOUR + 1));
    expect(released).toMatchObject({ state: "pending", attempts: 1, nextAttemptAt: at(2 * HOUR), lastError: "GitLab 500", firstFailedAt: T0, claimedBy: null });
    expect(await queue.release(runner(), c, null, at(HOUR + 2))).toBeNull();
    expect(await s.claim("w2", at(2 * HOUR - 1))).toEqual([]);
    const [again] = await s.claim("w2", at(2 * HOUR));
    expect(again).toMatchObject({ attempt: 2, generation: 1 });
    expect(await queue.release(runner(), { ...again, claimedBy: "w1" }, null, at(2 * HOUR))).toBeNull();
    expect((await queue.release(runner(), again, null, at(2 * HOUR + 5)))?.nextAttemptAt).toEqual(at(2 * HOUR + 5));
  });
});

describe("complete (design: complete(claim, generation): if the generation moved meanwhile, the mark stays due)", () => {
  test("the claimer's own claim of the current generation ends done, attempts reset, the last error kept as history", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [first] = await s.claim("w1", T0);
    await queue.fail(runner(), first, { error: "GitLab timeout" }, POLICY, T0);
    const [second] = await s.claim("w1", at(HOUR));
    const done = await queue.complete(runner(), second, at(HOUR + 1));
    expect(done).toMatchObject({ state: "done", attempts: 0, firstFailedAt: null, nextAttemptAt: null, claimedBy: null, claimedGeneration: null, lastError: "GitLab timeout" });
    expect(await s.claim("w2", at(10 * HOUR))).toEqual([]);
  });

  test("another worker, a stale generation or a stale attempt changes nothing", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    const before = await s.item(id);
    expect(await queue.complete(runner(), { ...c, claimedBy: "w2" }, at(1))).toBeNull();
    expect(await queue.complete(runner(), { ...c, generation: c.generation - 1 }, at(1))).toBeNull();
    expect(await queue.complete(runner(), { ...c, attempt: c.attempt + 1 }, at(1))).toBeNull();
    expect(await queue.fail(runner(), { ...c, claimedBy: "w2" }, { error: "x" }, POLICY, at(1))).toBeNull();
    expect(await queue.park(runner(), { ...c, generation: 0 }, "x", at(1))).toBeNull();
    expect(await s.item(id)).toEqual(before);
    await queue.complete(runner(), c, at(1));
  });

  test("complete is refused for an item that is not claimed (pending, done)", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    await queue.complete(runner(), c, at(1));
    expect(await queue.complete(runner(), c, at(2))).toBeNull();
    await s.mark([id], at(3));
    expect(await queue.complete(runner(), { ...c, generation: 2 }, at(4))).toBeNull();
    expect((await s.item(id)).state).toBe("pending");
  });

  test("issue 9 §7: a mark during a claim keeps the claim, attempts and last error; complete then leaves the subject due at once", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [first] = await s.claim("w1", T0);
    await queue.fail(runner(), first, { error: "GitLab 502" }, POLICY, T0);
    const [c] = await s.claim("w1", at(HOUR));
    await s.mark([id], at(HOUR + 10));
    expect(await s.item(id)).toMatchObject({ state: "claimed", claimedBy: "w1", generation: 2, claimedGeneration: 1, attempts: 2, lastError: "GitLab 502", nextAttemptAt: c.leaseUntil });
    expect(await s.claim("w2", at(HOUR + 20))).toEqual([]);
    const after = await queue.complete(runner(), c, at(HOUR + 30));
    expect(after).toMatchObject({ state: "pending", generation: 2, nextAttemptAt: at(HOUR + 30), lastError: "GitLab 502" });
    const [next] = await s.claim("w2", at(HOUR + 30));
    expect(next).toMatchObject({ subjectId: id, generation: 2 });
    expect((await queue.complete(runner(), next, at(HOUR + 40)))?.state).toBe("done");
  });
});

describe("fail (design: back to pending with backoff on a retryable error, or parked when the budget is spent)", () => {
  test("the backoff doubles per attempt within its jitter bounds [½·d, d], d = base·2^(attempt−1), capped", async () => {
    const s = newScope();
    const { T0, at } = s;
    const [id] = ids(1);
    const policy = { ...POLICY, baseDelayMs: SECOND, maxDelayMs: 20 * SECOND };
    await s.mark([id], T0);
    let now = T0;
    for (let attempt = 1; attempt <= 7; attempt++) {
      const [c] = await s.claim("w1", now, { policy });
      expect(c.attempt).toBe(attempt);
      const failed = (await queue.fail(runner(), c, { error: `failure ${attempt}` }, policy, now))!;
      const d = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = failed.nextAttemptAt!.getTime() - now.getTime();
      // Timestamps are stored to the millisecond: allow its rounding.
      expect(delay).toBeGreaterThanOrEqual(d / 2 - 1);
      expect(delay).toBeLessThanOrEqual(d + 1);
      expect(failed).toMatchObject({ state: "pending", attempts: attempt, lastError: `failure ${attempt}`, lastErrorAt: now, firstFailedAt: T0, claimedBy: null });
      expect(await s.claim("w2", new Date(failed.nextAttemptAt!.getTime() - 1), { policy })).toEqual([]);
      now = failed.nextAttemptAt!;
    }
  });

  test("subjects failing together come back spread out (the jitter is drawn per item)", async () => {
    const s = newScope();
    const { T0, at } = s;
    const subjects = ids(20);
    await s.mark(subjects, T0);
    const claims = await s.claim("w1", T0);
    const due = new Set<number>();
    for (const c of claims) due.add((await queue.fail(runner(), c, { error: "GitLab 503" }, { ...POLICY, baseDelayMs: HOUR }, T0))!.nextAttemptAt!.getTime());
    expect(due.size).toBeGreaterThan(10);
  });

  test("RFC 6585 §4 / RFC 9110 §10.2.3: a Retry-After beyond the backoff is honoured; an earlier one does not shorten the backoff", async () => {
    const s = newScope();
    const { T0, at } = s;
    const [a, b] = ids(2);
    await s.mark([a, b], T0);
    const claims = await s.claim("w1", T0);
    const ca = claims.find((c) => c.subjectId === a)!;
    const cb = claims.find((c) => c.subjectId === b)!;
    expect((await queue.fail(runner(), ca, { error: "429", notBefore: at(HOUR) }, POLICY, T0))?.nextAttemptAt).toEqual(at(HOUR));
    const early = await queue.fail(runner(), cb, { error: "429", notBefore: at(1) }, { ...POLICY, baseDelayMs: 10 * SECOND }, T0);
    expect(early!.nextAttemptAt!.getTime()).toBeGreaterThanOrEqual(at(5 * SECOND - 1).getTime());
  });

  test("the attempt budget parks the subject with its last error; nothing claims it any more", async () => {
    const { s, T0, at } = await markedSubject();
    const policy = { ...POLICY, maxAttempts: 3 };
    let now = T0;
    let last: queue.QueueItem | null = null;
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [c] = await s.claim("w1", now, { policy });
      last = await queue.fail(runner(), c, { error: `GitLab 500 #${attempt}` }, policy, now);
      now = last?.nextAttemptAt ?? now;
    }
    expect(last).toMatchObject({ state: "parked", parkedReason: "attempt_budget", attempts: 3, lastError: "GitLab 500 #3", nextAttemptAt: null, claimedBy: null });
    expect(await s.claim("w1", at(1000 * HOUR), { policy })).toEqual([]);
  });

  test("the time budget parks the subject once it has been failing longer than allowed, whatever its attempts", async () => {
    const s = newScope();
    const { T0, at } = s;
    const [id] = ids(1);
    const policy = { ...POLICY, maxAttempts: 100, maxFailingMs: 2 * HOUR };
    await s.mark([id], T0);
    const [first] = await s.claim("w1", T0, { policy });
    expect((await queue.fail(runner(), first, { error: "down" }, policy, T0))?.state).toBe("pending");
    const [second] = await s.claim("w1", at(HOUR), { policy });
    expect((await queue.fail(runner(), second, { error: "down" }, policy, at(HOUR)))?.state).toBe("pending");
    const [third] = await s.claim("w1", at(2 * HOUR), { policy });
    expect(await queue.fail(runner(), third, { error: "still down" }, policy, at(2 * HOUR))).toMatchObject({ state: "parked", parkedReason: "time_budget", firstFailedAt: T0, lastError: "still down" });
  });

  test("a failure after a mark during the claim is retried at once (not before Retry-After), even with the budget spent", async () => {
    const s = newScope();
    const { T0, at } = s;
    const [a, b] = ids(2);
    const policy = { ...POLICY, maxAttempts: 1 };
    await s.mark([a, b], T0);
    const claims = await s.claim("w1", T0, { policy });
    await s.mark([a, b], at(1));
    const ca = claims.find((c) => c.subjectId === a)!;
    const cb = claims.find((c) => c.subjectId === b)!;
    expect(await queue.fail(runner(), ca, { error: "boom" }, policy, at(2))).toMatchObject({ state: "pending", nextAttemptAt: at(2), attempts: 1, lastError: "boom", generation: 2 });
    expect(await queue.fail(runner(), cb, { error: "429", notBefore: at(HOUR) }, policy, at(2))).toMatchObject({ state: "pending", nextAttemptAt: at(HOUR) });
  });

  test("an error message is kept as an excerpt of bounded length", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    const failed = await queue.fail(runner(), c, { error: "x".repeat(100_000) }, POLICY, T0);
    expect(failed!.lastError!.length).toBe(2_000);
  });
});

describe("park and retry (design: parked (a permanent error) until retried)", () => {
  test("park records a permanent error; a new mark brings the subject back, keeping attempts and the error", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    expect(await queue.park(runner(), c, "GitLab 403: not an admin", at(1))).toMatchObject({ state: "parked", parkedReason: "permanent_error", nextAttemptAt: null, lastError: "GitLab 403: not an admin", attempts: 1 });
    expect(await s.claim("w1", at(1000 * HOUR))).toEqual([]);
    await s.mark([id], at(HOUR));
    expect(await s.item(id)).toMatchObject({ state: "pending", parkedReason: null, nextAttemptAt: at(HOUR), attempts: 1, generation: 2, lastError: "GitLab 403: not an admin" });
  });

  test("a park after a mark during the claim leaves the new generation due at once", async () => {
    const { s, T0, at, id } = await markedSubject();
    const [c] = await s.claim("w1", T0);
    await s.mark([id], at(1));
    expect(await queue.park(runner(), c, "409 email taken", at(2))).toMatchObject({ state: "pending", parkedReason: null, nextAttemptAt: at(2), lastError: "409 email taken" });
  });

  test("retry SUBJECT: parked → pending due now with a fresh budget and a new generation; the error stays as history", async () => {
    const s = newScope();
    const { T0, at } = s;
    const [id, other] = ids(2);
    await s.mark([id, other], T0);
    for (const c of await s.claim("w1", T0)) await queue.park(runner(), c, "GitLab 422", at(1));
    const retried = await queue.retry(runner(), { subjectType: "user", subjectId: id }, at(HOUR));
    expect(retried).toEqual([expect.objectContaining({ subjectId: id, state: "pending", attempts: 0, firstFailedAt: null, parkedReason: null, generation: 2, nextAttemptAt: at(HOUR), lastError: "GitLab 422" })]);
    expect((await s.item(other)).state).toBe("parked");
    expect((await s.claim("w1", at(HOUR))).map((c) => c.subjectId)).toEqual([id]);
    await queue.retry(runner(), { allParked: true, connectionId: s.connectionId }, at(HOUR));
  });

  test("retry leaves items that are not parked alone (pending, claimed, done)", async () => {
    const s = newScope();
    const { T0, at } = s;
    const [pending, claimed, done] = ids(3);
    await s.mark([claimed, done], T0);
    const claims = await s.claim("w1", T0);
    await queue.complete(runner(), claims.find((c) => c.subjectId === done)!, at(1));
    await s.mark([pending], at(2));
    const before = await Promise.all([pending, claimed, done].map((id) => s.item(id)));
    for (const subjectId of [pending, claimed, done]) expect(await queue.retry(runner(), { subjectType: "user", subjectId }, at(3))).toEqual([]);
    expect(await Promise.all([pending, claimed, done].map((id) => s.item(id)))).toEqual(before);
    await queue.complete(runner(), claims.find((c) => c.subjectId === claimed)!, at(4));
  });

  test("retry --all-failed of one connection retries its parked items and no other connection's", async () => {
    const s1 = newScope();
    const s2 = newScope();
    const mine = ids(3);
    const theirs = ids(2);
    await s1.mark(mine, s1.T0);
    for (const c of await s1.claim("w1", s1.T0)) await queue.park(runner(), c, "bad", s1.at(1));
    await s2.mark(theirs, s2.T0);
    for (const c of await s2.claim("w1", s2.T0)) await queue.park(runner(), c, "bad", s2.at(1));
    const retried = await queue.retry(runner(), { allParked: true, connectionId: s1.connectionId }, s1.at(2));
    expect(retried.map((i) => i.subjectId).sort()).toEqual([...mine].sort());
    for (const id of theirs) expect((await s2.item(id)).state).toBe("parked");
    const everywhere = await queue.retry(runner(), { allParked: true }, s1.at(3));
    expect(everywhere.map((i) => i.subjectId)).toEqual(expect.arrayContaining(theirs));
  });
});

describe("reads for the CLI and admin pages (issue 10 §3: status, parked as failed with the last error)", () => {
  test("counts by state and the parked list with errors, newest error first, per connection", async () => {
    const s = newScope();
    const { T0, at } = s;
    const [p1, p2, claimed, done, pending] = ids(5);
    await s.mark([p1, p2, claimed, done], T0);
    const claims = await s.claim("w1", T0);
    const by = (id: string) => claims.find((c) => c.subjectId === id)!;
    await queue.park(runner(), by(p1), "first error", at(1));
    await queue.park(runner(), by(p2), "second error", at(2));
    await queue.complete(runner(), by(done), at(3));
    await s.mark([pending], at(4));
    expect(await queue.countByState(runner(), { connectionId: s.connectionId })).toEqual({ pending: 1, claimed: 1, done: 1, parked: 2 });
    const parked = await queue.listParked(runner(), { connectionId: s.connectionId, limit: 10 });
    expect(parked.map((i) => [i.subjectId, i.lastError, i.parkedReason])).toEqual([
      [p2, "second error", "permanent_error"],
      [p1, "first error", "permanent_error"],
    ]);
    expect(await queue.listParked(runner(), { connectionId: s.connectionId, limit: 1 })).toHaveLength(1);
    expect(await queue.countByState(runner(), { connectionId: crypto.randomUUID() })).toEqual({ pending: 0, claimed: 0, done: 0, parked: 0 });
    expect(await queue.findItem(runner(), { subjectType: "group", subjectId: p1 })).toBeNull();
    await queue.complete(runner(), by(claimed), at(5));
    await queue.retry(runner(), { allParked: true, connectionId: s.connectionId }, at(5));
  });
});
