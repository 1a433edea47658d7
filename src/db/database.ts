/**
 * Opens the bridge's database: embedded PGlite (the zero-setup default) or PostgreSQL when a URL is
 * given, both behind the same Prisma client, and applies pending migrations.
 *
 * PGlite is one connection in one process: every Prisma transaction blocks all other queries of the
 * process until it ends, so callers keep transactions short and never wait on the network inside one.
 */
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client";
import { migrate } from "./migrator";
import { openPGlite, type PGliteDurability } from "./pglite/open";
import { postgresRunner } from "./postgres-runner";
import type { SqlRunner } from "./sql-runner";

export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  readonly kind: DatabaseKind;
  readonly prisma: PrismaClient;
  /** Raw access on one session, for migrations and schema checks (session settings stick). */
  readonly sql: SqlRunner;
  /**
   * Driver-direct SQL for the SCIM hot paths, on the same connection(s) Prisma uses (PGlite: the one
   * connection, so it queues behind an open Prisma transaction; PostgreSQL: the shared pool). Prisma's
   * runtime adds ~0.5 ms to every statement on PGlite, more than the statement itself costs.
   */
  readonly direct: SqlRunner;
  /** Names of the migrations applied while opening. */
  readonly appliedMigrations: string[];
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent, PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; "memory" keeps everything in memory (tests). */
  pgliteDir?: string;
  /** PGlite's shared_buffers (PostgreSQL's default, 128MB, stays resident in the process). */
  pgliteSharedBuffers?: string;
  /**
   * Embedded PGlite only: "fsync" (default) makes every acknowledged commit survive an OS crash
   * (src/db/pglite/node-fs.ts); "off" leaves writes in the page cache, as PGlite itself does.
   */
  pgliteDurability?: PGliteDurability;
  /** Skip applying migrations (schema checks that want an empty database). */
  skipMigrations?: boolean;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const opened = options.databaseUrl
    ? await openPostgres(options.databaseUrl)
    : await openPGlite(options.pgliteDir ?? "memory", { sharedBuffers: options.pgliteSharedBuffers, durability: options.pgliteDurability ?? "fsync" });
  try {
    const appliedMigrations = options.skipMigrations
      ? []
      : await migrate(opened.sql, { useAdvisoryLock: opened.kind === "postgres" });
    const prisma = new PrismaClient({ adapter: opened.adapter });
    return {
      kind: opened.kind,
      prisma,
      sql: opened.sql,
      direct: opened.direct,
      appliedMigrations,
      async close() {
        await prisma.$disconnect();
        await opened.close();
      },
    };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

export interface OpenedDriver {
  kind: DatabaseKind;
  adapter: ConstructorParameters<typeof PrismaClient>[0] extends { adapter?: infer A } ? NonNullable<A> : never;
  sql: SqlRunner;
  direct: SqlRunner;
  close(): Promise<void>;
}

async function openPostgres(url: string): Promise<OpenedDriver> {
  // One pool shared by Prisma's adapter and the driver-direct hot paths.
  const pool = new pg.Pool({ connectionString: url });
  // An idle connection dropped by the server must not crash the process; the pool replaces it.
  pool.on("error", () => undefined);
  await pool.query("SELECT 1");
  // The advisory lock in the migrator is session-scoped: hold one client for the whole migration.
  const client = await pool.connect();
  let released = false;
  return {
    kind: "postgres",
    adapter: new PrismaPg(pool),
    direct: postgresRunner(pool),
    sql: postgresRunner(client),
    close: async () => {
      if (!released) {
        released = true;
        client.release();
      }
      await pool.end();
    },
  };
}
