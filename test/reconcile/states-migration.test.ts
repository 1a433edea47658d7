/**
 * The migration that turned ReconcileItem.state from free text into the ReconcileState enum keeps
 * every mark of an existing database: rows written before it are converted, not lost or stuck.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { defaultMigrationsDir, migrate } from "../../src/db/migrator";
import * as queue from "../../src/reconcile/queue";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

const MIGRATION = "20261203071500_reconcile_states";
let testDb: TestDatabase;
let before: string;

beforeAll(async () => {
  testDb = await createTestDatabase({ skipMigrations: true });
  before = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-before-states-"));
  for (const name of fs.readdirSync(defaultMigrationsDir())) {
    if (name < MIGRATION) fs.cpSync(path.join(defaultMigrationsDir(), name), path.join(before, name), { recursive: true });
  }
});
afterAll(async () => {
  fs.rmSync(before, { recursive: true, force: true });
  await testDb?.close();
});

test("rows marked before the state enum existed become pending (or stay done), due when they were due, and claimable", async () => {
  expect(fs.existsSync(path.join(defaultMigrationsDir(), MIGRATION, "migration.sql"))).toBe(true);
  await migrate(testDb.db.sql, { dir: before });
  const [pending, done, claimed, unknown] = Array.from({ length: 4 }, () => crypto.randomUUID());
  const due = new Date("2026-01-01T00:00:00.000Z");
  const connectionId = crypto.randomUUID();
  await testDb.db.sql.query(
    `INSERT INTO "ReconcileItem" ("connectionId", "subjectType", "subjectId", "state", "generation", "attempts", "nextAttemptAt", "claimedBy", "claimedUntil", "lastError")
     VALUES ($1, 'user', $2, 'pending', 3, 0, $6, NULL, NULL, NULL),
            ($1, 'user', $3, 'done', 1, 0, $6, NULL, NULL, NULL),
            ($1, 'group', $4, 'claimed', 2, 1, $6, 'old-worker', $6, NULL),
            ($1, 'group', $5, 'failed', 1, 4, $6, NULL, NULL, 'GitLab 500')`,
    [connectionId, pending, done, claimed, unknown, due.toISOString()],
  );
  // Later migrations follow it; this one must come first, on the rows written before it.
  expect((await migrate(testDb.db.sql))[0]).toBe(MIGRATION);
  const item = (subjectType: "user" | "group", subjectId: string) => queue.findItem(testDb.db.direct, { subjectType, subjectId });
  expect(await item("user", pending)).toMatchObject({ state: "pending", generation: 3, nextAttemptAt: due });
  expect(await item("user", done)).toMatchObject({ state: "done", nextAttemptAt: null });
  expect(await item("group", claimed)).toMatchObject({ state: "pending", generation: 2, attempts: 1, claimedBy: null, claimedGeneration: null, nextAttemptAt: due });
  expect(await item("group", unknown)).toMatchObject({ state: "pending", attempts: 4, lastError: "GitLab 500", nextAttemptAt: due });
  const claims = await queue.claim(testDb.db.direct, { claimedBy: "w", limit: 10, leaseMs: 1000 }, queue.DEFAULT_RETRY_POLICY, due);
  expect(claims.map((c) => c.subjectId).sort()).toEqual([pending, claimed, unknown].sort());
});
