/**
 * The connection's linked users: SCIM users linked to a GitLab user that still exists. The base of the
 * mass-change threshold (settings.massChangeThreshold) for membership removals and offboardings alike.
 * Counting reads every link of the connection, so a guard counts only when a change is over
 * massChangeMinimum: below it the threshold cannot be reached.
 */
import type { SqlRunner } from "../../db/sql-runner";

/** SQL int: the linked users of the connection `connection` (an SQL expression, e.g. a parameter). */
export function linkedUsersCountSql(connection: string): string {
  return `(SELECT count(*)::int FROM "GitLabUserLink" l WHERE l."connectionId" = ${connection} AND l."gitlabUserId" IS NOT NULL AND l."gitlabDeletedAt" IS NULL)`;
}

export async function countLinkedUsers(runner: SqlRunner, connectionId: string): Promise<number> {
  const [row] = await runner.query<{ n: number }>(`SELECT ${linkedUsersCountSql("$1::uuid")} AS "n"`, [connectionId]);
  return row.n;
}
