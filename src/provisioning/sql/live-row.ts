/**
 * The pieces every write to an existing resource shares, so that each statement reports what it did
 * in one round trip: it locks the live row first (`cur`), writes only if the caller's expected version
 * (if any) still holds and the change changes something, and answers one row whose "outcome" says
 * which: written, unchanged, conflict (the version moved) or, for groups, unknownMembers. No row at
 * all: there is no such live resource.
 *
 * The lock matters on PostgreSQL when the outcome depends on the row as it was: a conditional write
 * (a concurrent writer's row is waited for and read as committed, so "conflict" and "unchanged" describe
 * the very version the statement refused to write) and a group rename (whose members' versions move).
 * An unconditional change of its own (an activation, a membership delta) takes no lock: it cannot
 * conflict, and if it turns out to change nothing, the row as the statement found it is a fair answer.
 * On PGlite, one connection, a lock is only cost (a write of the tuple and its WAL record).
 */
import type { SqlParams } from "../../db/sql-params";

export type ResourceTable = "ScimUser" | "ScimGroup";

/** CTE body: the live row of `id` in the connection, locked for the rest of the transaction when `lock`. */
export function liveRowSql(p: SqlParams, table: ResourceTable, connectionId: string, id: string, options: { lock: boolean }): string {
  return `SELECT * FROM "${table}" WHERE "id" = ${p.uuid(id)} AND "connectionId" = ${p.uuid(connectionId)} AND "deletedAt" IS NULL${options.lock ? " FOR UPDATE" : ""}`;
}

/** The placeholder of the expected version (NULL: unconditional). */
export function expectedVersionParam(p: SqlParams, expectedVersion: number | undefined): string {
  return `${p.add(expectedVersion ?? null)}::int`;
}

/** The precondition, on the written table's own "version" column (or `column`). */
export function versionHoldsSql(expected: string, column = `"version"`): string {
  return `(${expected} IS NULL OR ${column} = ${expected})`;
}

/**
 * The outcome column, from the CTE of written rows and the locked row `cur`. `otherwise` are further
 * reasons a write was refused, tested in order after the version and before "unchanged".
 */
export function outcomeSql(written: string, expected: string, otherwise: Array<[condition: string, outcome: string]> = []): string {
  const reasons = otherwise.map(([condition, outcome]) => `WHEN ${condition} THEN '${outcome}'`).join(" ");
  return `CASE WHEN EXISTS (SELECT 1 FROM ${written}) THEN 'written' WHEN NOT ${versionHoldsSql(expected, `(SELECT "version" FROM cur)`)} THEN 'conflict' ${reasons} ELSE 'unchanged' END AS "outcome"`;
}

/** FROM item: the written row, else the locked row as it is (aliased `alias`). */
export function writtenOrCurrentSql(written: string, alias: string): string {
  return `(SELECT * FROM ${written} UNION ALL SELECT * FROM cur WHERE NOT EXISTS (SELECT 1 FROM ${written})) ${alias}`;
}
