/**
 * Several workers claiming at once (design: "a subject is reconciled by one worker at a time (row
 * claims with FOR UPDATE SKIP LOCKED, or leases), and nothing is done twice"). On PostgreSQL the second
 * worker has its own pool, as a second bridge instance would; on PGlite both share the one connection
 * and their statements interleave.
 */
import crypto from "node:crypto";
import pg from "pg";
import { SqlParams } from "../../src/db/sql-params";
import type { SqlRunner } from "../../src/db/sql-runner";
import { markSubjectsSql } from "../../src/provisioning/sql/mark-subjects";
import * as queue from "../../src/reconcile/queue";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

let testDb: TestDatabase;
let otherPool: pg.Pool | undefined;
/** The second instance's runner: its own connections on PostgreSQL. */
let other: SqlRunner;

beforeAll(async () => {
  testDb = await createTestDatabase();
  if (testDb.databaseUrl) {
    const pool = new pg.Pool({ connectionString: testDb.databaseUrl, max: 4 });
    otherPool = pool;
    other = { exec: async (sql) => void (await pool.query(sql)), query: async (sql, params) => (await pool.query(sql, params)).rows };
    await other.query("SELECT 1");
  } else {
    other = testDb.db.direct;
  }
});
afterAll(async () => {
  await otherPool?.end();
  await testDb.close();
});

const LEASE = 60_000;
const connectionId = crypto.randomUUID();

async function mark(subjectIds: string[], now: Date): Promise<void> {
  const p = new SqlParams();
  const statement = `WITH s AS (SELECT unnest(${p.add(subjectIds)}::uuid[]) AS "id") ${markSubjectsSql(p, "s", { connectionId, subjectType: "group" }, now)}`;
  await testDb.db.direct.query(statement, p.values);
}

/** A worker that claims small batches and completes each claim until nothing is due. */
async function work(runner: SqlRunner, claimedBy: string, now: Date): Promise<queue.Claim[]> {
  const taken: queue.Claim[] = [];
  for (;;) {
    const claims = await queue.claim(runner, { claimedBy, limit: 7, leaseMs: LEASE }, queue.DEFAULT_RETRY_POLICY, now);
    if (claims.length === 0) return taken;
    taken.push(...claims);
    for (const c of claims) expect((await queue.complete(runner, c, now))?.state).toBe("done");
  }
}

test("two workers claiming concurrently, round after round, never get the same subject and leave none behind", async () => {
  const subjects = Array.from({ length: 150 }, () => crypto.randomUUID());
  const T0 = Date.UTC(2026, 0, 1);
  for (let round = 1; round <= 6; round++) {
    const now = new Date(T0 + round * 3_600_000);
    await mark(subjects, now);
    const [a, b] = await Promise.all([work(testDb.db.direct, "instance-a", now), work(other, "instance-b", now)]);
    const all = [...a, ...b];
    expect(all).toHaveLength(subjects.length);
    expect(new Set(all.map((c) => c.subjectId)).size).toBe(subjects.length);
    expect(new Set(all.map((c) => c.generation))).toEqual(new Set([round]));
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
  }
  expect(await queue.countByState(testDb.db.direct, { connectionId })).toEqual({ pending: 0, claimed: 0, done: subjects.length, parked: 0 });
});

(process.env.TEST_DATABASE_URL ? test : test.skip)("PostgreSQL: a claim skips rows another transaction holds locked instead of waiting for them", async () => {
  const subjects = Array.from({ length: 10 }, () => crypto.randomUUID());
  const now = new Date(Date.UTC(2027, 0, 1));
  await mark(subjects, now);
  const held = subjects.slice(0, 3);
  const client = await otherPool!.connect();
  try {
    await client.query("BEGIN");
    await client.query(`SELECT "id" FROM "ReconcileItem" WHERE "subjectId" = ANY($1::uuid[]) FOR UPDATE`, [held]);
    let deadline: NodeJS.Timeout | undefined;
    const waited = new Promise<never>((_, reject) => {
      deadline = setTimeout(() => reject(new Error("the claim waited on rows another transaction locked")), 10_000);
    });
    try {
      const claims = await Promise.race([queue.claim(testDb.db.direct, { claimedBy: "a", limit: 100, leaseMs: LEASE }, queue.DEFAULT_RETRY_POLICY, now), waited]);
      expect(claims.map((c) => c.subjectId).sort()).toEqual(subjects.slice(3).sort());
      for (const c of claims) await queue.complete(testDb.db.direct, c, now);
    } finally {
      clearTimeout(deadline);
    }
    await client.query("ROLLBACK");
  } finally {
    client.release();
  }
  const rest = await queue.claim(testDb.db.direct, { claimedBy: "a", limit: 100, leaseMs: LEASE }, queue.DEFAULT_RETRY_POLICY, now);
  expect(rest.map((c) => c.subjectId).sort()).toEqual([...held].sort());
  for (const c of rest) await queue.complete(testDb.db.direct, c, now);
});
