/**
 * The SqlRunner on node-postgres: a pool (statements spread over its connections) or one checked-out
 * client (a session, for the migrator's advisory lock). PostgreSQL's own durability applies: a commit
 * is acknowledged once its WAL is flushed as the server's synchronous_commit says.
 */
import type pg from "pg";
import type { SqlRunner } from "./sql-runner";

export function postgresRunner(target: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    async exec(sql) {
      await target.query(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await target.query(sql, params)).rows as Row[];
    },
  };
}
