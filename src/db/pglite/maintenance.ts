/**
 * PGlite has no autovacuum daemon, so nothing would ever refresh the planner's statistics: after an
 * IdP's first sync the planner still believes the tables are empty and picks sequential scans (seen:
 * a user's groups took 25 ms instead of 0.1 ms at 10,000 users). The server therefore does what
 * autovacuum's analyze step does: ANALYZE at start, then every check interval ANALYZE each table
 * whose changes since its last analyze exceed 50 rows + 10% of its size (PostgreSQL's defaults,
 * autovacuum_analyze_threshold and autovacuum_analyze_scale_factor). PostgreSQL does this by itself.
 */
import type { Database } from "../database";
import type { Logger } from "../../observability/logger";

export interface Maintenance {
  /** Runs one check now (tests; the timer does the same). */
  check(): Promise<string[]>;
  stop(): Promise<void>;
}

const STALE_TABLES = `
  SELECT s.relname AS name
  FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
  WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze > 50 + 0.1 * GREATEST(c.reltuples, 0)`;

export function startPGliteMaintenance(db: Database, logger: Logger, checkIntervalMs = 30_000): Maintenance {
  let running: Promise<unknown> = Promise.resolve();
  const serialised = <T>(work: () => Promise<T>): Promise<T> => {
    const next = running.then(work);
    running = next.catch((error) => logger.warn({ err: error }, "ANALYZE of the embedded database failed"));
    return next;
  };
  const check = () =>
    serialised(async () => {
      const stale = await db.sql.query<{ name: string }>(STALE_TABLES);
      for (const { name } of stale) await db.sql.exec(`ANALYZE "${name.replace(/"/g, '""')}"`);
      if (stale.length) logger.debug({ tables: stale.map((t) => t.name) }, "embedded database analyzed");
      return stale.map((t) => t.name);
    });
  void serialised(() => db.sql.exec("ANALYZE"));
  const timer = setInterval(() => void check().catch(() => undefined), checkIntervalMs);
  timer.unref();
  return {
    check,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
