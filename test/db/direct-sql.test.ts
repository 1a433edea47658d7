/**
 * The driver-direct runner the SCIM hot paths use (Database.direct): on PGlite named prepared
 * statements (src/db/pglite/prepared-runner.ts), on PostgreSQL the pool Prisma shares. Same results on both.
 */
import { createTestDatabase, type TestDatabase } from "../helpers/database";

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  await testDb.db.sql.exec(`CREATE TABLE "DirectProbe" ("id" uuid PRIMARY KEY, "name" text NOT NULL UNIQUE, "at" timestamptz(3) NOT NULL, "doc" jsonb, "n" integer, "flag" boolean)`);
});

afterAll(() => testDb.close());

const ID = "6f1d4c1e-8d2b-4a6e-9a57-1f0b8f3c2d11";

test("values travel as parameters and come back typed: uuid text, timestamptz Date, jsonb object, integer, boolean, null", async () => {
  const at = new Date("2026-11-25T10:11:12.345Z");
  const [row] = await testDb.db.direct.query<Record<string, unknown>>(
    `INSERT INTO "DirectProbe" VALUES ($1::uuid, $2, $3::timestamptz, $4::jsonb, $5, $6) RETURNING *`,
    [ID, "o'brien; DROP TABLE x --", at.toISOString(), JSON.stringify({ a: [1, "two"] }), 42, true],
  );
  expect(row).toEqual({ id: ID, name: "o'brien; DROP TABLE x --", at, doc: { a: [1, "two"] }, n: 42, flag: true });
  const [nulls] = await testDb.db.direct.query<Record<string, unknown>>(`SELECT $1::jsonb AS "doc", $2::integer AS "n"`, [null, undefined]);
  expect(nulls).toEqual({ doc: null, n: null });
});

test("a failing statement reports PostgreSQL's SQLSTATE and leaves the connection usable, the same statement included", async () => {
  const insert = `INSERT INTO "DirectProbe" ("id", "name", "at") VALUES ($1::uuid, $2, now()) RETURNING "name"`;
  await testDb.db.direct.query(insert, ["0a6c31a4-8d7f-4a49-8d0c-7e1d36a0f001", "unique-name"]);
  await expect(testDb.db.direct.query(insert, ["0a6c31a4-8d7f-4a49-8d0c-7e1d36a0f002", "unique-name"])).rejects.toMatchObject({ code: "23505" });
  await expect(testDb.db.direct.query("SELECT FROM nowhere_at_all")).rejects.toMatchObject({ code: "42P01" });
  expect(await testDb.db.direct.query(insert, ["0a6c31a4-8d7f-4a49-8d0c-7e1d36a0f003", "another-name"])).toEqual([{ name: "another-name" }]);
});

test("many distinct statements (past the prepared-statement cap) all answer correctly, an evicted one too", async () => {
  const texts = Array.from({ length: 260 }, (_, i) => `SELECT $1::integer + ${i} AS "sum"`);
  for (const [i, text] of texts.entries()) expect(await testDb.db.direct.query(text, [1000])).toEqual([{ sum: 1000 + i }]);
  expect(await testDb.db.direct.query(texts[0], [7])).toEqual([{ sum: 7 }]);
});

test("a direct query never sees a Prisma transaction's uncommitted rows, and never deadlocks with it", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let inserted!: () => void;
  const insertDone = new Promise<void>((resolve) => (inserted = resolve));
  const transaction = testDb.db.prisma.$transaction(async (tx) => {
    await tx.$executeRawUnsafe(`INSERT INTO "DirectProbe" ("id", "name", "at") VALUES ('3b5e0c0e-2f6c-4a52-9d1e-5b1a2f9e0c77', 'in-transaction', now())`);
    inserted();
    await held;
  });
  await insertDone;
  const count = () => testDb.db.direct.query<{ count: number }>(`SELECT count(*)::integer AS "count" FROM "DirectProbe" WHERE "name" = 'in-transaction'`);
  if (testDb.db.kind === "pglite") {
    // One connection: the query queues behind the open transaction and runs after its commit.
    const queued = count();
    release();
    await transaction;
    expect(await queued).toEqual([{ count: 1 }]);
  } else {
    // A pool: the query runs now, on another connection, and reads the last committed state.
    expect(await count()).toEqual([{ count: 0 }]);
    release();
    await transaction;
    expect(await count()).toEqual([{ count: 1 }]);
  }
});

test("a statement prepared right after a direct query reads its own reply, errors included", async () => {
  // PGlite keeps a streamed query's raw-reply callback installed; the runner must clear it, or the
  // next statement's preparation hands PostgreSQL's answer to that stale callback and misses it.
  expect(await testDb.db.direct.query(`SELECT 1 AS "one"`)).toEqual([{ one: 1 }]);
  await expect(testDb.db.direct.query(`SELECT "nope" FROM nowhere_after_a_direct_query`)).rejects.toMatchObject({ code: "42P01" });
  expect(await testDb.db.direct.query(`SELECT 2 AS "two"`)).toEqual([{ two: 2 }]);
  expect(await testDb.db.direct.query(`SELECT $1::integer * 3 AS "three"`, [5])).toEqual([{ three: 15 }]);
});

test("text parameters keep every character: empty, multi-byte, long, and a null beside them", async () => {
  const long = "ü".repeat(5000);
  const [row] = await testDb.db.direct.query<Record<string, unknown>>(`SELECT $1::text AS "empty", $2::text AS "multi", $3::text AS "gone", $4::text AS "long", length($4) AS "n"`, ["", "Zoë 😀 名前", null, long]);
  expect(row).toEqual({ empty: "", multi: "Zoë 😀 名前", gone: null, long, n: 5000 });
});
