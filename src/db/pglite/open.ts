/**
 * Opens the embedded PGlite database for database.ts: the client (durable unless told otherwise),
 * Prisma's adapter on it, and the two SqlRunners (PGlite's own query/exec for migrations and schema
 * checks; prepared statements for the hot paths).
 *
 * A data directory is opened on BridgeNodeFS (node-fs.ts: owner-only modes, and durability).
 * Durability "fsync" (the default for a directory): PostgreSQL runs with fsync=on on a file system
 * whose fsync is real, and every statement-level call settles the WAL before it
 * resolves (durable-pglite.ts). "off": PGlite's defaults (fsync=off), nothing is ever synced. An
 * in-memory database has nothing to sync.
 */
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import type { OpenedDriver } from "../database";
import type { SqlRunner } from "../sql-runner";
import { BridgeNodeFS } from "./node-fs";
import { DurablePGlite } from "./durable-pglite";
import { preparedStatementRunner } from "./prepared-runner";

export type PGliteDurability = "fsync" | "off";

export interface PGliteOpenOptions {
  /** PGlite's shared_buffers (PostgreSQL's default, 128MB, stays resident in the process). */
  sharedBuffers?: string;
  durability: PGliteDurability;
}

/** `dir` is a data directory, or "memory" for an in-memory database (tests). */
export async function openPGlite(dir: string, options: PGliteOpenOptions): Promise<OpenedDriver> {
  if (dir !== "memory") fs.mkdirSync(path.dirname(dir), { recursive: true });
  const nodeFs = dir === "memory" ? undefined : new BridgeNodeFS(path.resolve(dir), { durable: options.durability === "fsync" });
  const wal = nodeFs?.wal ?? null;
  const startParams = [
    ...PGlite.defaultStartParams,
    // PGlite's buffer pool lives in the process's WebAssembly memory, which never shrinks; the files
    // behind it are still cached by the operating system, so a small pool costs little speed.
    ...(options.sharedBuffers ? ["-c", `shared_buffers=${options.sharedBuffers}`] : []),
    // PostgreSQL re-plans a parameterised statement on every call while it guesses that cheaper than a
    // generic plan, and for this schema's statements (lookups by key, writes by id) planning then costs
    // more than executing. No index here serves a plan that depends on a parameter's value (no
    // pattern_ops, no partial indexes on values), so generic plans lose nothing, with one rule: a LIMIT
    // the plan's shape depends on is written into the statement, not bound (a bound LIMIT is guessed
    // at 10% of the rows: see src/reconcile/sql/claim.ts). Set for the session
    // rather than around each statement: the SET/RESET pair cost ~80 µs per hot-path query.
    "-c",
    "plan_cache_mode=force_generic_plan",
    // PGlite starts PostgreSQL with -F (fsync=off); a later setting wins. The WAL's own flush method
    // stays fdatasync, which does nothing in WebAssembly: WalSync does it, grouped, outside the mutex.
    ...(wal ? ["-c", "fsync=on", "-c", "wal_sync_method=fdatasync", "-c", "full_page_writes=on"] : []),
  ];
  const client = new DurablePGlite({ fs: nodeFs, startParams }, wal);
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
