/**
 * Applies prisma/migrations/<timestamp>_<name>/migration.sql in name order, each in its own transaction,
 * and records them in `_prisma_migrations` exactly as `prisma migrate deploy` does (same table, same
 * sha256 checksum of the file), so either tool can take over from the other.
 *
 * Several bridge instances may start at once against one PostgreSQL: a session advisory lock makes the
 * second wait and then find nothing to do. A migration that failed half-way (finished_at NULL) stops
 * start-up, as Prisma's P3009 does, instead of being retried blindly.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../project-root";
import type { SqlRunner } from "./sql-runner";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

const MIGRATIONS_TABLE_DDL = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
);`;

/** Arbitrary constant shared by every instance of the bridge. */
const ADVISORY_LOCK_KEY = 7_318_245_901;

export function defaultMigrationsDir(): string {
  return path.join(projectRoot(), "prisma", "migrations");
}

export function readMigrations(dir = defaultMigrationsDir()): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: crypto.createHash("sha256").update(sql).digest("hex") };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Applies pending migrations; returns the names applied by this call. */
export async function migrate(runner: SqlRunner, options: { dir?: string; useAdvisoryLock?: boolean } = {}): Promise<string[]> {
  const migrations = readMigrations(options.dir);
  if (options.useAdvisoryLock) await runner.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_KEY]);
  try {
    await runner.exec(MIGRATIONS_TABLE_DDL);
    const rows = await runner.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"`,
    );
    const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `migration ${failed.migration_name} failed earlier and was not rolled back; fix the database, then mark it rolled back (prisma migrate resolve --rolled-back ${failed.migration_name})`,
      );
    }
    const applied = new Map(rows.filter((row) => row.finished_at !== null).map((row) => [row.migration_name, row]));
    for (const row of applied.values()) {
      const known = migrations.find((m) => m.name === row.migration_name);
      if (!known) throw new MigrationError(`database has migration ${row.migration_name}, which this version of the bridge does not know: is it older than the database?`);
      if (known.checksum !== row.checksum) throw new MigrationError(`migration ${row.migration_name} was edited after it was applied (checksum differs)`);
    }
    const done: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue;
      await applyOne(runner, migration);
      done.push(migration.name);
    }
    return done;
  } finally {
    if (options.useAdvisoryLock) await runner.query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_KEY]);
  }
}

async function applyOne(runner: SqlRunner, migration: Migration): Promise<void> {
  const id = crypto.randomUUID();
  await runner.exec("BEGIN");
  try {
    await runner.exec(migration.sql);
    await runner.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), now(), 1)`,
      [id, migration.checksum, migration.name],
    );
    await runner.exec("COMMIT");
  } catch (error) {
    await runner.exec("ROLLBACK");
    throw new MigrationError(`migration ${migration.name} failed: ${(error as Error).message}`);
  }
}
