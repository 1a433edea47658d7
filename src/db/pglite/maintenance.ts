/**
 * PGlite has no autovacuum daemon, so nothing would ever refresh the planner's statistics: after an
 * IdP's first sync the planner still believes the tables are empty and picks sequential scans (seen:
 * a user's groups took 25 ms instead of 0.1 ms at 10,000 users). The server therefore does what
 * autovacuum's analyze step does: ANALYZE at start, then every check interval ANALYZE each table
 * whose changes since its last analyze exceed 50 rows + 10% of its size (PostgreSQL's defaults,
 * autovacuum_analyze_threshold and autovacuum_analyze_scale_factor). PostgreSQL does this by itself.
 *
 * Nor does anything VACUUM: the dead rows that updates and deletes leave (a reconcile item is rewritten
 * at every claim and settle, a user at every group change) would stay in the tables and their indexes
 * for as long as the database lives. The server therefore VACUUMs each table whose dead rows exceed
 * 50 + 20% of its size (autovacuum_vacuum_threshold and autovacuum_vacuum_scale_factor), on the same
 * timer. Like a checkpoint, a VACUUM holds the one connection while it runs; after the first, the
 * visibility map lets it skip the pages nothing changed.
 *
 * PGlite has no checkpointer either: PostgreSQL in single-user mode checkpoints only when told to or
 * when it shuts down, so without this the WAL would grow for as long as the server runs, and crash
 * recovery would replay all of it. The server therefore issues CHECKPOINT when the WAL since the last
 * one reaches `checkpointWalBytes` or when the last one is older than `checkpointMaxAgeMs` and anything
 * was written since (PostgreSQL's max_wal_size and checkpoint_timeout, scaled to this database). With
 * durability on, PostgreSQL fsyncs the data files it wrote before it records the checkpoint and
 * recycles old WAL (src/db/pglite/node-fs.ts makes those fsyncs real). A checkpoint holds the one
 * connection while it writes, as any statement does.
 */
import type { Database } from "../database";
import type { Logger } from "../../observability/logger";

export interface Maintenance {
  /** Runs one ANALYZE check now (tests; the timer does the same); returns the tables analyzed. */
  check(): Promise<string[]>;
  /** Runs one VACUUM check now (tests; the timer does the same); returns the tables vacuumed. */
  vacuumIfDue(): Promise<string[]>;
  /** Runs one checkpoint check now (tests; the timer does the same); true if it checkpointed. */
  checkpointIfDue(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface MaintenanceOptions {
  checkIntervalMs?: number;
  checkpointWalBytes?: number;
  checkpointMaxAgeMs?: number;
}

const DEFAULTS = { checkIntervalMs: 30_000, checkpointWalBytes: 64 * 1024 * 1024, checkpointMaxAgeMs: 5 * 60_000 };

const STALE_TABLES = `
  SELECT s.relname AS name
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0)`;

const DEAD_TABLES = `
  SELECT s.relname AS name
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE s.schemaname = current_schema() AND s.n_dead_tup > 50 + 0.2 * GREATEST(c.reltuples, 0)`;

/** WAL since the last checkpoint's redo point, that checkpoint's age, and whether anything followed it. */
const CHECKPOINT_STATE = `
  SELECT (pg_current_wal_lsn() - c.redo_lsn)::float8 AS "walBytes",
         (extract(epoch FROM now() - c.checkpoint_time) * 1000)::float8 AS "ageMs",
         pg_current_wal_lsn() > c.checkpoint_lsn AS "writtenSince"
  FROM pg_control_checkpoint() c`;

export function startPGliteMaintenance(db: Database, logger: Logger, options: MaintenanceOptions = {}): Maintenance {
  const { checkIntervalMs, checkpointWalBytes, checkpointMaxAgeMs } = { ...DEFAULTS, ...options };
  let running: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = running.then(work);
    running = next.catch((error) => logger.warn({ err: error }, "maintenance of the embedded database (ANALYZE, CHECKPOINT) failed"));
    return next;
  };
  /** Runs `command` on every table `due` lists; returns their names. */
  const eachTable = (due: string, command: string, done: string) =>
    serialised(async () => {
      const tables = (await db.sql.query<{ name: string }>(due)).map((t) => t.name);
      for (const name of tables) await db.sql.exec(`${command} "${name.replace(/"/g, '""')}"`);
      if (tables.length) logger.debug({ tables }, done);
      return tables;
    });
  const check = () => eachTable(STALE_TABLES, "ANALYZE", "embedded database analyzed");
  const vacuumIfDue = () => eachTable(DEAD_TABLES, "VACUUM", "embedded database vacuumed");
  const checkpointIfDue = () =>
    serialised(async () => {
      const [state] = await db.sql.query<{ walBytes: number; ageMs: number; writtenSince: boolean }>(CHECKPOINT_STATE);
      if (state.walBytes < checkpointWalBytes && !(state.writtenSince && state.ageMs >= checkpointMaxAgeMs)) return false;
      await db.sql.exec("CHECKPOINT");
      logger.debug({ walBytes: state.walBytes }, "embedded database checkpointed");
      return true;
    });
  void serialised(() => db.sql.exec("ANALYZE"));
  const timer = setInterval(() => {
    void vacuumIfDue().catch(() => undefined);
    void check().catch(() => undefined);
    void checkpointIfDue().catch(() => undefined);
  }, checkIntervalMs);
  timer.unref();
  return {
    check,
    vacuumIfDue,
    checkpointIfDue,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
