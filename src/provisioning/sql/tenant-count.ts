/**
 * Keeps ScimTenantCount, the live users and groups of each connection, which an unfiltered list
 * answers as its total instead of counting the tenant (a scan of every row). It is written by the very
 * statements that create and delete (tombstone) users and groups, as one more CTE: a statement that
 * writes no row (a delete of a deleted resource, a create refused for unknown members) adds nothing,
 * and one that fails (a duplicate userName) writes nothing at all. Placed last in its statement, so
 * the counter row, the one row every write of a connection updates, is locked after the resource rows.
 */

export type TenantCountColumn = "users" | "groups";

/** CTE body: adds `sign` × the number of rows of `written` (rows with a "connectionId") to `column`. */
export function countRowsSql(written: string, column: TenantCountColumn, sign: 1 | -1): string {
  const other: TenantCountColumn = column === "users" ? "groups" : "users";
  return `INSERT INTO "ScimTenantCount" ("connectionId", "${column}", "${other}")
      SELECT w."connectionId", ${sign} * count(*), 0 FROM ${written} w GROUP BY w."connectionId"
      ON CONFLICT ("connectionId") DO UPDATE SET "${column}" = "ScimTenantCount"."${column}" + EXCLUDED."${column}"`;
}
