/**
 * What the offboarding guard (issue 11 item 7) weighs, one statement: how many of the connection's
 * linked users were marked to leave (offboarding marks, priority 0: mark-subjects.ts) in the last
 * hour — counted from the latest approved offboardings hold if that is more recent (an admin let that
 * burst through; the count starts again) — this user included, and the connection's linked users
 * (linked-users.ts), counted only when the first number is over the threshold's minimum.
 *
 * Why the queue and not the audit log's gitlab.user.blocked events: the queue's priority index finds
 * the offboarding marks at once, where the audit log has no index by action and a sync's hour holds
 * tens of thousands of events (~20 ms a count on PGlite, on every block). And the marks see a burst
 * as the IdP sends it, so the guard holds at the threshold instead of after the blocks went out.
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import { linkedUsersCountSql } from "../../provisioning/sql/linked-users";
import { OFFBOARDING_PRIORITY } from "../../provisioning/sql/mark-subjects";

const WINDOW_MS = 60 * 60_000;

export async function countRecentOffboardings(runner: SqlRunner, connectionId: string, now: Date, minimum: number): Promise<{ offboardings: number; linkedUsers: number | null }> {
  const p = new SqlParams();
  const connection = p.uuid(connectionId);
  const since = `GREATEST(${p.timestamp(new Date(now.getTime() - WINDOW_MS))},
      (SELECT max(h."decidedAt") FROM "ReconcileHold" h WHERE h."connectionId" = ${connection} AND h."kind" = 'offboardings' AND h."state" = 'approved'))`;
  const statement = `WITH o AS (
      SELECT count(*)::int AS "n" FROM "ReconcileItem" i JOIN "GitLabUserLink" l ON l."scimUserId" = i."subjectId" AND l."gitlabUserId" IS NOT NULL
      WHERE i."priority" = ${OFFBOARDING_PRIORITY} AND i."connectionId" = ${connection} AND i."subjectType" = 'user' AND i."dirtyAt" > ${since})
    SELECT o."n" AS "offboardings",
      CASE WHEN o."n" > ${p.add(minimum)}::int THEN ${linkedUsersCountSql(connection)} END AS "linkedUsers"
    FROM o`;
  const [row] = await runner.query<{ offboardings: number; linkedUsers: number | null }>(statement, p.values);
  return row;
}
