/**
 * The one version-bump rule. A resource's version (its ETag) and lastModified move together whenever
 * its SCIM representation changes, including what it shows of the other side of a membership: a
 * user's `groups` (a membership change, a group's rename or deletion) and a group's `members` (a
 * member's deletion). Otherwise an IdP's If-None-Match would keep answering 304 with stale data.
 */

/** The SET items of a bump, for the row an UPDATE writes. `at` is the statement's clock placeholder. */
export function bumpVersionSql(at: string): string {
  return `"version" = "version" + 1, "updatedAt" = ${at}`;
}

/** An UPDATE bumping the rows of `table` whose id is in `ids` (a subquery), returning their ids. */
export function touchRowsSql(table: "ScimUser" | "ScimGroup", ids: string, at: string): string {
  return `UPDATE "${table}" SET ${bumpVersionSql(at)} WHERE "id" IN (${ids}) RETURNING "id"`;
}
