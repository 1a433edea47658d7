/**
 * The migrator (src/db/migrator.ts) applies prisma/migrations the way `prisma migrate deploy` would and
 * records them so that Prisma could take over: idempotent re-runs, Prisma's `_prisma_migrations` rows,
 * refusal of edited or half-failed migrations, and one applier among several instances on PostgreSQL.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { openDatabase, type Database } from "../../src/db/database";
import { defaultMigrationsDir, migrate, MigrationError, readMigrations } from "../../src/db/migrator";
import { createPostgresDatabase, createTestDatabase, testServerUrl, type TestDatabase } from "../helpers/database";

interface MigrationRow {
  id: string;
  checksum: string;
  finished_at: Date | null;
  migration_name: string;
  logs: string | null;
  rolled_back_at: Date | null;
  started_at: Date;
  applied_steps_count: number;
}

const migrationRows = (db: Database) =>
  db.sql.query<MigrationRow>(`SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);

/** A private copy of the real migrations that a test may edit or extend. */
function copyMigrations(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-migrations-"));
  fs.cpSync(defaultMigrationsDir(), dir, { recursive: true });
  return dir;
}

function addMigration(dir: string, name: string, sql: string): void {
  fs.mkdirSync(path.join(dir, name));
  fs.writeFileSync(path.join(dir, name, "migration.sql"), sql);
}

const tempDirs: string[] = [];
const tempDir = () => {
  const dir = copyMigrations();
  tempDirs.push(dir);
  return dir;
};
// One database per file (a PGlite start costs seconds); each test migrates into a schema of its own,
// which the migrator's unqualified SQL lands in through search_path.
let shared: TestDatabase;
let schemaName: string;
beforeAll(async () => {
  shared = await createTestDatabase({ skipMigrations: true });
});
afterAll(async () => {
  await shared?.close();
});

async function emptyDatabase(): Promise<Database> {
  schemaName = `migrator_${crypto.randomBytes(4).toString("hex")}`;
  await shared.db.sql.exec(`CREATE SCHEMA "${schemaName}"; SET search_path TO "${schemaName}"`);
  return shared.db;
}

afterEach(async () => {
  await shared.db.sql.exec(`SET search_path TO public; DROP SCHEMA IF EXISTS "${schemaName}" CASCADE`);
  while (tempDirs.length) fs.rmSync(tempDirs.pop()!, { recursive: true, force: true });
});

describe("migrator", () => {
  it("applies every migration once; a second run applies nothing and changes nothing", async () => {
    const db = await emptyDatabase();
    const names = readMigrations().map((m) => m.name);
    expect(await migrate(db.sql)).toEqual(names);
    const before = await migrationRows(db);
    expect(await migrate(db.sql)).toEqual([]);
    expect(await migrationRows(db)).toEqual(before);
  });

  it("records migrations as `prisma migrate deploy` does: sha256 of the file, finished_at, applied_steps_count 1", async () => {
    const db = await emptyDatabase();
    await migrate(db.sql);
    const rows = await migrationRows(db);
    const files = fs.readdirSync(defaultMigrationsDir()).filter((name) => fs.existsSync(path.join(defaultMigrationsDir(), name, "migration.sql")));
    expect(rows.map((row) => row.migration_name)).toEqual(files.sort());
    for (const row of rows) {
      const file = fs.readFileSync(path.join(defaultMigrationsDir(), row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(crypto.createHash("sha256").update(file).digest("hex"));
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("applies only the new migration when a later version adds one", async () => {
    const db = await emptyDatabase();
    const dir = tempDir();
    await migrate(db.sql, { dir });
    addMigration(dir, "29991231000000_add_note", `ALTER TABLE "Connection" ADD COLUMN "note" TEXT;`);
    expect(await migrate(db.sql, { dir })).toEqual(["29991231000000_add_note"]);
    const [note] = await db.sql.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'Connection' AND column_name = 'note'`,
    );
    expect(note.count).toBe(1);
  });

  it("20261203090000_tenant_counts_family_name_key backfills live counts and familyNameKey from the rows already stored", async () => {
    const db = await emptyDatabase();
    const dir = tempDir();
    const name = "20261203090000_tenant_counts_family_name_key";
    fs.rmSync(path.join(dir, name), { recursive: true });
    await migrate(db.sql, { dir });
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    await db.sql.query(`INSERT INTO "Connection" ("id", "name", "idp", "updatedAt") VALUES ($1::uuid, 'a', 'generic', now()), ($2::uuid, 'b', 'generic', now())`, [a, b]);
    await db.sql.query(
      `INSERT INTO "ScimUser" ("id", "connectionId", "userName", "familyName", "resource", "deletedAt")
       VALUES (gen_random_uuid(), $1::uuid, 'u1', 'McDonald', '{}', NULL), (gen_random_uuid(), $1::uuid, 'u2', NULL, '{}', NULL),
              (gen_random_uuid(), $1::uuid, 'u3', '', '{}', NULL), (gen_random_uuid(), $1::uuid, 'gone', 'Gone', '{}', now())`,
      [a],
    );
    await db.sql.query(`INSERT INTO "ScimGroup" ("id", "connectionId", "displayName", "resource", "deletedAt") VALUES (gen_random_uuid(), $1::uuid, 'g', '{}', NULL), (gen_random_uuid(), $1::uuid, 'h', '{}', now())`, [a]);
    fs.cpSync(path.join(defaultMigrationsDir(), name), path.join(dir, name), { recursive: true });

    expect(await migrate(db.sql, { dir })).toEqual([name]);
    const counts = await db.sql.query(`SELECT "connectionId", "users", "groups" FROM "ScimTenantCount" ORDER BY "users" DESC`);
    expect(counts).toEqual([
      { connectionId: a, users: 3, groups: 1 },
      { connectionId: b, users: 0, groups: 0 },
    ]);
    const keys = await db.sql.query(`SELECT "userName", "familyNameKey" FROM "ScimUser" ORDER BY "userName"`);
    expect(keys).toEqual([
      { userName: "gone", familyNameKey: "gone" },
      { userName: "u1", familyNameKey: "mcdonald" },
      { userName: "u2", familyNameKey: null },
      { userName: "u3", familyNameKey: null },
    ]);
  });

  it("refuses to start when an applied migration was edited afterwards", async () => {
    const db = await emptyDatabase();
    const dir = tempDir();
    await migrate(db.sql, { dir });
    const [first] = readMigrations(dir);
    fs.appendFileSync(path.join(dir, first.name, "migration.sql"), "\n-- edited after release\n");
    await expect(migrate(db.sql, { dir })).rejects.toThrow(MigrationError);
    await expect(migrate(db.sql, { dir })).rejects.toThrow(`migration ${first.name} was edited after it was applied`);
  });

  it("refuses to start when a migration failed half-way earlier (finished_at NULL, not rolled back), like Prisma's P3009", async () => {
    const db = await emptyDatabase();
    const dir = tempDir();
    await migrate(db.sql, { dir });
    // What `prisma migrate deploy` leaves behind when a migration's SQL fails midway.
    await db.sql.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count, logs)
       VALUES ($1, $2, '29991231000000_broken', now(), NULL, 0, 'ERROR: something went wrong')`,
      [crypto.randomUUID(), "0".repeat(64)],
    );
    addMigration(dir, "29991231000000_broken", `ALTER TABLE "Connection" ADD COLUMN "note" TEXT;`);
    await expect(migrate(db.sql, { dir })).rejects.toThrow(/29991231000000_broken failed earlier.*prisma migrate resolve --rolled-back/);
    // Once an operator marks it rolled back, the migration is applied again.
    await db.sql.query(`UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE finished_at IS NULL`);
    expect(await migrate(db.sql, { dir })).toEqual(["29991231000000_broken"]);
  });

  it("rolls a failing migration back entirely and records nothing for it", async () => {
    const db = await emptyDatabase();
    const dir = tempDir();
    await migrate(db.sql, { dir });
    addMigration(dir, "29991231000000_fails", `CREATE TABLE "Half" (id INT);\nALTER TABLE "NoSuchTable" ADD COLUMN x INT;`);
    await expect(migrate(db.sql, { dir })).rejects.toThrow(/migration 29991231000000_fails failed: .*NoSuchTable/);
    const [half] = await db.sql.query<{ count: number }>(`SELECT count(*)::int AS count FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = 'Half'`);
    expect(half.count).toBe(0);
    expect((await migrationRows(db)).map((row) => row.migration_name)).not.toContain("29991231000000_fails");
  });

  it("refuses a database migrated by a newer version of the bridge", async () => {
    const db = await emptyDatabase();
    const dir = tempDir();
    addMigration(dir, "29991231000000_from_the_future", `SELECT 1;`);
    await migrate(db.sql, { dir });
    await expect(migrate(db.sql)).rejects.toThrow(/29991231000000_from_the_future, which this version of the bridge does not know/);
  });
});

const onPostgres = testServerUrl();
const postgresIt = onPostgres ? it : it.skip;
const reason = onPostgres ? "" : " (skipped: needs PostgreSQL; set TEST_DATABASE_URL, as .ci/run's PostgreSQL leg does)";

describe("migrator on PostgreSQL with several instances", () => {
  postgresIt(`two instances starting at once: exactly one applies the migrations, the other finds nothing to do${reason}`, async () => {
    const created = await createPostgresDatabase(onPostgres!);
    const databases: Database[] = [];
    try {
      const results = await Promise.allSettled([openDatabase({ databaseUrl: created.url }), openDatabase({ databaseUrl: created.url })]);
      for (const result of results) if (result.status === "fulfilled") databases.push(result.value);
      expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
      const applied = databases.map((db) => db.appliedMigrations.length).sort();
      expect(applied).toEqual([0, readMigrations().length]);
      const rows = await migrationRows(databases[0]);
      expect(rows).toHaveLength(readMigrations().length);
      expect(new Set(rows.map((row) => row.migration_name)).size).toBe(rows.length);
    } finally {
      for (const db of databases) await db.close();
      await created.drop();
    }
  });
});
