/**
 * The claim, and the workers' "when is the next item due", stay index lookups however many subjects
 * the queue has seen. The embedded database
 * plans every statement generically (src/db/pglite/open.ts), and the plan is made again after each
 * ANALYZE: with a bound LIMIT and an index over every item, a queue whose items were mostly done got
 * a plan that scanned the whole table on every claim. Checked here as the plans themselves, on both
 * engines, forced generic on PostgreSQL too, after ANALYZE has seen a queue of done items.
 */
import { SqlParams } from "../../src/db/sql-params";
import * as queue from "../../src/reconcile/queue";
import { claimSql } from "../../src/reconcile/sql/claim";
import { NEXT_DUE_SQL } from "../../src/reconcile/sql/reads";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

let testDb: TestDatabase;
const DONE_ITEMS = 3_000;

beforeAll(async () => {
  testDb = await createTestDatabase();
  const [connection] = await testDb.db.direct.query<{ id: string }>(
    `INSERT INTO "Connection" ("id", "name", "idp", "updatedAt") VALUES (gen_random_uuid(), 'claim-plan', 'generic', now()) RETURNING "id"`,
  );
  await testDb.db.direct.query(
    `INSERT INTO "ReconcileItem" ("connectionId", "subjectType", "subjectId", "state", "nextAttemptAt", "priority")
     SELECT $1::uuid, 'user', gen_random_uuid(), 'done', NULL, (g % 2)::smallint FROM generate_series(1, ${DONE_ITEMS}) g`,
    [connection.id],
  );
  await testDb.db.direct.query(
    `INSERT INTO "ReconcileItem" ("connectionId", "subjectType", "subjectId", "state", "nextAttemptAt") VALUES ($1::uuid, 'user', gen_random_uuid(), 'pending', now() - interval '1 minute')`,
    [connection.id],
  );
  await testDb.db.sql.exec(`ANALYZE "ReconcileItem"`);
});

afterAll(() => testDb?.close());

/** A parameter as an EXECUTE argument: the statement's own casts give it its type. */
const literal = (value: unknown) => (typeof value === "number" ? String(value) : `'${String(value).replace(/'/g, "''")}'`);

/** The generic plan of the statement `build` writes, as EXPLAIN prints it (not executed). */
async function genericPlan(build: (p: SqlParams) => string): Promise<string> {
  const p = new SqlParams();
  const statement = build(p);
  const sql = testDb.db.sql; // one session: the setting and the prepared statement stay on it
  await sql.exec(`SET plan_cache_mode = force_generic_plan`);
  await sql.exec(`PREPARE plan_check AS ${statement}`);
  try {
    const args = p.values.length ? `(${p.values.map(literal).join(", ")})` : "";
    const rows = await sql.query<{ "QUERY PLAN": string }>(`EXPLAIN EXECUTE plan_check${args}`);
    return rows.map((r) => r["QUERY PLAN"]).join("\n");
  } finally {
    await sql.exec(`DEALLOCATE plan_check`);
    await sql.exec(`RESET plan_cache_mode`);
  }
}

test(`a worker's claim reads the due index and updates by primary key after ANALYZE saw ${DONE_ITEMS.toLocaleString("en-US")} done items`, async () => {
  const plan = await genericPlan((p) => claimSql(p, { claimedBy: "w", limit: 1, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, new Date()));
  expect(plan).toContain("ReconcileItem_due_idx");
  expect(plan).toContain("ReconcileItem_pkey");
  expect(plan).not.toMatch(/Seq Scan on "ReconcileItem"/);
});

test("the next due time is read from the due index, one priority at a time", async () => {
  const plan = await genericPlan(() => NEXT_DUE_SQL);
  expect(plan).toContain("ReconcileItem_due_idx");
  expect(plan).not.toMatch(/Seq Scan on "ReconcileItem"/);
});

test("the next due time is the earliest due time or lease end of any priority, null when nothing waits", async () => {
  const own = await createTestDatabase();
  try {
    const runner = own.db.direct;
    expect(await queue.nextDueAt(runner)).toBeNull();
    const [connection] = await runner.query<{ id: string }>(`INSERT INTO "Connection" ("id", "name", "idp", "updatedAt") VALUES (gen_random_uuid(), 'next-due', 'generic', now()) RETURNING "id"`);
    const add = (priority: number, state: string, nextAttemptAt: string | null) =>
      runner.query(`INSERT INTO "ReconcileItem" ("connectionId", "subjectType", "subjectId", "state", "nextAttemptAt", "priority") VALUES ($1::uuid, 'gitlab_group', gen_random_uuid(), $2::"ReconcileState", $3::timestamptz, $4::smallint)`, [
        connection.id,
        state,
        nextAttemptAt,
        priority,
      ]);
    await add(1, "done", null);
    await add(2, "pending", null); // held: no due time
    expect(await queue.nextDueAt(runner)).toBeNull();
    await add(2, "pending", "2000-01-01T00:00:03Z");
    await add(0, "pending", "2000-01-01T00:00:05Z");
    await add(1, "claimed", "2000-01-01T00:00:02Z");
    expect(await queue.nextDueAt(runner)).toEqual(new Date("2000-01-01T00:00:02Z"));
  } finally {
    await own.close();
  }
});

test("the claim takes the one due item among the done ones", async () => {
  const claims = await queue.claim(testDb.db.direct, { claimedBy: "w", limit: 1, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, new Date());
  expect(claims).toHaveLength(1);
  expect(await queue.claim(testDb.db.direct, { claimedBy: "w2", limit: 1, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, new Date())).toEqual([]);
  expect(await queue.complete(testDb.db.direct, claims[0], new Date())).toMatchObject({ state: "done", nextAttemptAt: null });
});

test("a claim's limit must be a positive whole number (it is written into the statement)", () => {
  for (const limit of [0, -1, 1.5, Number.NaN]) {
    expect(() => claimSql(new SqlParams(), { claimedBy: "w", limit, leaseMs: 1 }, queue.DEFAULT_RETRY_POLICY, new Date())).toThrow(RangeError);
  }
});
