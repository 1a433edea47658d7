/**
 * Opens the bridge's database: embedded PGlite (the zero-setup default) or PostgreSQL when a URL is
 * given, both behind the same Prisma client, and applies pending migrations.
 *
 * PGlite is one connection in one process: every Prisma transaction blocks all other queries of the
 * process until it ends, so callers keep transactions short and never wait on the network inside one.
 */
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "../generated/prisma/client";
import { migrate } from "./migrator";
import { preparedStatementRunner } from "./pglite/prepared-runner";
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
  /** Skip applying migrations (schema checks that want an empty database). */
  skipMigrations?: boolean;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const opened = options.databaseUrl ? await openPostgres(options.databaseUrl) : await openPGlite(options.pgliteDir ?? "memory", options.pgliteSharedBuffers);
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

interface OpenedDriver {
  kind: DatabaseKind;
  adapter: ConstructorParameters<typeof PrismaClient>[0] extends { adapter?: infer A } ? NonNullable<A> : never;
  sql: SqlRunner;
  direct: SqlRunner;
  close(): Promise<void>;
}

async function openPGlite(dir: string, sharedBuffers?: string): Promise<OpenedDriver> {
  const startParams = [
    ...PGlite.defaultStartParams,
    // PGlite's buffer pool lives in the process's WebAssembly memory, which never shrinks; the files
    // behind it are still cached by the operating system, so a small pool costs little speed.
    ...(sharedBuffers ? ["-c", `shared_buffers=${sharedBuffers}`] : []),
    // PostgreSQL re-plans a parameterised statement on every call while it guesses that cheaper than a
    // generic plan, and for this schema's statements (lookups by key, writes by id) planning then costs
    // more than executing. No index here serves a plan that depends on a parameter's value (no
    // pattern_ops, no partial indexes on values), so generic plans lose nothing. Set for the session
    // rather than around each statement: the SET/RESET pair cost ~80 µs per hot-path query.
    "-c",
    "plan_cache_mode=force_generic_plan",
  ];
  let client: PGlite;
  if (dir === "memory") {
    client = new PGlite({ startParams });
  } else {
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    client = new PGlite(dir, { startParams });
  }
  await client.waitReady;
  const runner: SqlRunner = {
    async exec(sql) {
      await client.exec(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await client.query<Row>(sql, params)).rows;
    },
  };
  return {
    kind: "pglite",
    adapter: new PrismaPGlite(client),
    sql: runner,
    direct: preparedStatementRunner(client),
    close: async () => {
      if (!client.closed) await client.close();
    },
  };
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
    direct: {
      async exec(sql) {
        await pool.query(sql);
      },
      async query<Row>(sql: string, params: unknown[] = []) {
        return (await pool.query(sql, params)).rows as Row[];
      },
    },
    sql: {
      async exec(sql) {
        await client.query(sql);
      },
      async query<Row>(sql: string, params: unknown[] = []) {
        return (await client.query(sql, params)).rows as Row[];
      },
    },
    close: async () => {
      if (!released) {
        released = true;
        client.release();
      }
      await pool.end();
    },
  };
}
