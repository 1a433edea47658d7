/**
 * The embedded database gets planner statistics the way autovacuum would give them (PGlite has no
 * autovacuum): at start, and for any table changed by more than 50 rows + 10% since its last ANALYZE;
 * a table with more than 50 + 20% dead rows is vacuumed; the WAL is checkpointed.
 */
import pino from "pino";
import { startPGliteMaintenance } from "../../src/db/pglite/maintenance";
import { createTestDatabase, testServerUrl, type TestDatabase } from "../helpers/database";

// PostgreSQL runs its own autovacuum, which may analyze first and make this check racy: PGlite only.
const pgliteOnly = testServerUrl() ? test.skip : test;

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(() => testDb.close());

const reltuples = async (table: string) =>
  Number((await testDb.db.sql.query<{ reltuples: number }>(`SELECT reltuples FROM pg_class WHERE relname = $1`, [table]))[0].reltuples);

async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, deadlineMs = 20_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

pgliteOnly("(PGlite only) a table changed beyond autovacuum's analyze threshold is analyzed; a quiet one is not", async () => {
  const maintenance = startPGliteMaintenance(testDb.db, pino({ level: "silent" }), { checkIntervalMs: 3_600_000 });
  try {
    const connection = await testDb.db.prisma.connection.create({ data: { name: "stats", idp: "generic" } });
    await testDb.db.prisma.auditEvent.createMany({ data: Array.from({ length: 500 }, (_, i) => ({ connectionId: connection.id, actor: "test", action: `bulk.${i}` })) });
    // Statistics counters reach pg_stat with a delay: check until the change is seen.
    const analyzed = await eventually(() => maintenance.check(), (tables) => tables.includes("AuditEvent"));
    expect(analyzed).toContain("AuditEvent");
    expect(analyzed).not.toContain("ScimGroupMember");
    expect(await reltuples("AuditEvent")).toBeGreaterThanOrEqual(500);
  } finally {
    await maintenance.stop();
  }
});

const deadRows = async (table: string) =>
  Number((await testDb.db.sql.query<{ n: number }>(`SELECT n_dead_tup::int AS n FROM pg_stat_user_tables WHERE relname = $1`, [table]))[0].n);
const relationBytes = async (table: string) => Number((await testDb.db.sql.query<{ n: number }>(`SELECT pg_relation_size($1)::float8 AS n`, [`"${table}"`]))[0].n);

pgliteOnly("(PGlite only) a table whose dead rows pass autovacuum's threshold is vacuumed, and its space is used again (PGlite has no autovacuum)", async () => {
  const maintenance = startPGliteMaintenance(testDb.db, pino({ level: "silent" }), { checkIntervalMs: 3_600_000 });
  try {
    const connection = await testDb.db.prisma.connection.create({ data: { name: "vacuum", idp: "generic" } });
    await testDb.db.prisma.auditEvent.createMany({ data: Array.from({ length: 2000 }, (_, i) => ({ connectionId: connection.id, actor: "vacuum", action: `row.${i}` })) });
    await maintenance.check(); // statistics of the new rows, so the threshold counts them
    const rewrite = () => testDb.db.sql.exec(`UPDATE "AuditEvent" SET "action" = "action" || '.' WHERE "actor" = 'vacuum'`);
    await rewrite();
    const vacuumed = await eventually(() => maintenance.vacuumIfDue(), (tables) => tables.includes("AuditEvent"));
    expect(vacuumed).toContain("AuditEvent");
    expect(vacuumed).not.toContain("ScimGroupMember");
    expect(await deadRows("AuditEvent")).toBe(0);
    // The rows the next rewrite makes go where the vacuumed ones were: the table does not grow.
    const size = await relationBytes("AuditEvent");
    await rewrite();
    expect(await relationBytes("AuditEvent")).toBe(size);
  } finally {
    await maintenance.stop();
  }
});

const redoLsn = async () => (await testDb.db.sql.query<{ redo: string }>(`SELECT redo_lsn::text AS redo FROM pg_control_checkpoint()`))[0].redo;

pgliteOnly("(PGlite only) CHECKPOINT once the WAL since the last one reaches the threshold (PGlite has no checkpointer)", async () => {
  const maintenance = startPGliteMaintenance(testDb.db, pino({ level: "silent" }), { checkIntervalMs: 3_600_000, checkpointWalBytes: 256 * 1024, checkpointMaxAgeMs: 3_600_000 });
  try {
    await maintenance.check(); // after the ANALYZE at start, which writes WAL too
    await testDb.db.sql.exec("CHECKPOINT");
    const quiet = await redoLsn();
    expect(await maintenance.checkpointIfDue()).toBe(false);
    expect(await redoLsn()).toBe(quiet);
    const connection = await testDb.db.prisma.connection.create({ data: { name: "wal", idp: "generic" } });
    await testDb.db.prisma.auditEvent.createMany({ data: Array.from({ length: 3000 }, (_, i) => ({ connectionId: connection.id, actor: "test", action: `wal.${i}` })) });
    expect(await maintenance.checkpointIfDue()).toBe(true);
    expect(await redoLsn()).not.toBe(quiet);
  } finally {
    await maintenance.stop();
  }
});
