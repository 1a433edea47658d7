/**
 * The SqlRunner contract (src/db/sql-runner.ts), one suite for every implementation: PGlite's prepared
 * statement runner (src/db/pglite/prepared-runner.ts) and its plain runner, on disk with durability on
 * as the server runs them, and node-postgres's pool and session runners (src/db/postgres-runner.ts)
 * when TEST_DATABASE_URL names a server. Code above the runners relies on exactly this: parameters
 * travel as values, columns come back typed the same way on both engines, errors carry the SQLSTATE
 * `code`, and concurrent callers each get their own answer.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../src/db/database";
import type { SqlRunner } from "../../src/db/sql-runner";
import { createPostgresDatabase, testServerUrl } from "../helpers/database";

jest.setTimeout(120_000);

const opened: Database[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
const runners: Record<string, SqlRunner> = {};

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-contract-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const pglite = await openDatabase({ pgliteDir: path.join(dir, "pglite"), pgliteDurability: "fsync", skipMigrations: true });
  opened.push(pglite);
  runners["PGlite prepared statements (db.direct)"] = pglite.direct;
  runners["PGlite query/exec (db.sql)"] = pglite.sql;
  const serverUrl = testServerUrl();
  if (serverUrl) {
    const created = await createPostgresDatabase(serverUrl);
    cleanups.push(() => created.drop());
    const postgres = await openDatabase({ databaseUrl: created.url, skipMigrations: true });
    opened.push(postgres);
    runners["node-postgres pool (db.direct)"] = postgres.direct;
    runners["node-postgres session (db.sql)"] = postgres.sql;
  }
  for (const [name, runner] of Object.entries(runners)) {
    const table = tableOf(name);
    await runner.exec(`CREATE TABLE ${table} (id int PRIMARY KEY, label text NOT NULL); CREATE INDEX ON ${table} (label)`);
  }
});

afterAll(async () => {
  for (const db of opened) await db.close();
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** One table per runner: the two runners of one engine share its database. */
const tableOf = (name: string) => `contract_${name.replace(/[^a-z]/gi, "").toLowerCase()}`;

const IMPLEMENTATIONS = [
  "PGlite prepared statements (db.direct)",
  "PGlite query/exec (db.sql)",
  ...(testServerUrl() ? ["node-postgres pool (db.direct)", "node-postgres session (db.sql)"] : []),
];

describe.each(IMPLEMENTATIONS)("SqlRunner contract: %s", (name) => {
  const contract = (title: string, body: (runner: SqlRunner, table: string) => Promise<void>) =>
    test(title, () => body(runners[name], tableOf(name)));

  contract("parameters travel as values and columns come back typed (int, float, text, bool, jsonb, timestamptz, uuid, text[], null)", async (runner) => {
    const when = new Date("2026-01-02T03:04:05.678Z");
    const [row] = await runner.query(
      `SELECT $1::int AS i, $2::float8 AS f, $3::text AS t, $4::boolean AS b, $5::jsonb AS j, $6::timestamptz AS ts, $7::uuid AS u, $8::text[] AS a, $9::text AS n`,
      [42, 1.5, "it's; DROP TABLE x --", true, JSON.stringify({ k: [1, "two"] }), when.toISOString(), "6f1c2f4e-8b1e-4c8e-9a59-0c1d2e3f4a5b", ["x", "y,z"], null],
    );
    expect(row).toEqual({ i: 42, f: 1.5, t: "it's; DROP TABLE x --", b: true, j: { k: [1, "two"] }, ts: when, u: "6f1c2f4e-8b1e-4c8e-9a59-0c1d2e3f4a5b", a: ["x", "y,z"], n: null });
  });

  contract("no rows: an empty array; many rows: all of them, in the statement's order", async (runner) => {
    expect(await runner.query(`SELECT 1 AS one WHERE false`)).toEqual([]);
    const rows = await runner.query<{ n: number }>(`SELECT n::int AS n FROM generate_series(1, $1::int) AS n ORDER BY n DESC`, [2500]);
    expect(rows).toHaveLength(2500);
    expect(rows[0]).toEqual({ n: 2500 });
    expect(rows[2499]).toEqual({ n: 1 });
  });

  contract("exec runs a script of several statements; writes are visible to the next query", async (runner, table) => {
    await runner.exec(`INSERT INTO ${table} VALUES (1, 'one'); INSERT INTO ${table} VALUES (2, 'two')`);
    expect(await runner.query(`SELECT id, label FROM ${table} WHERE id <= 2 ORDER BY id`)).toEqual([
      { id: 1, label: "one" },
      { id: 2, label: "two" },
    ]);
    const updated = await runner.query(`UPDATE ${table} SET label = $2 WHERE id = $1 RETURNING id, label`, [2, "deux"]);
    expect(updated).toEqual([{ id: 2, label: "deux" }]);
  });

  contract("errors carry PostgreSQL's SQLSTATE code: 23505 unique violation, 22P02 invalid input, 42601 syntax, 42P01 undefined table", async (runner, table) => {
    await runner.query(`INSERT INTO ${table} VALUES ($1, $2)`, [10, "ten"]);
    await expect(runner.query(`INSERT INTO ${table} VALUES ($1, $2)`, [10, "again"])).rejects.toMatchObject({ code: "23505" });
    await expect(runner.query(`SELECT $1::int AS i`, ["not a number"])).rejects.toMatchObject({ code: "22P02" });
    await expect(runner.query(`SELEC 1`)).rejects.toMatchObject({ code: "42601" });
    await expect(runner.exec(`SELECT * FROM no_such_table`)).rejects.toMatchObject({ code: "42P01" });
    // The connection is still usable after each error.
    expect(await runner.query(`SELECT label FROM ${table} WHERE id = $1`, [10])).toEqual([{ label: "ten" }]);
  });

  contract("concurrent callers each get their own answer; concurrent writes to one key: one wins, the others get 23505", async (runner, table) => {
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => runner.query<{ n: number; s: string }>(`SELECT $1::int AS n, $2::text AS s`, [i, `v${i}`])));
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => [{ n: i, s: `v${i}` }]));
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => runner.query(`INSERT INTO ${table} VALUES (100, $1)`, [`racer ${i}`])));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    for (const outcome of outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected")) expect(outcome.reason).toMatchObject({ code: "23505" });
  });
});
