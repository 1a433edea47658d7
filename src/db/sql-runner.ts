/**
 * The smallest raw-SQL surface the migrator and schema checks need, implemented for both engines.
 * Prisma's own client cannot run multi-statement migration scripts, so these go to the driver.
 */
export interface SqlRunner {
  /** Runs a script of one or more statements without parameters. */
  exec(sql: string): Promise<void>;
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
}
