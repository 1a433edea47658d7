/**
 * What the offboarding guard (issue 11 item 7) weighs, one statement: the connection's deprovisionings
 * by the bridge in the last hour — its "gitlab.user.blocked", ".deactivated" and ".banned" audit
 * events, counted from the latest approved offboardings hold if that is more recent (an admin let that
 * burst through; the count starts again) — and the connection's linked users (the base of
 * massChangeThreshold). Read only before a deprovisioning call, never on the create path.
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import { RECONCILER_ACTOR } from "../../provisioning/sql/user-link-pieces";

const WINDOW_MS = 60 * 60_000;
const ACTIONS = ["gitlab.user.blocked", "gitlab.user.deactivated", "gitlab.user.banned"];

export async function countRecentOffboardings(runner: SqlRunner, connectionId: string, now: Date): Promise<{ offboardings: number; linkedUsers: number }> {
  const p = new SqlParams();
  const connection = p.uuid(connectionId);
  const since = `GREATEST(${p.timestamp(new Date(now.getTime() - WINDOW_MS))},
      (SELECT max(h."decidedAt") FROM "ReconcileHold" h WHERE h."connectionId" = ${connection} AND h."kind" = 'offboardings' AND h."state" = 'approved'))`;
  const statement = `SELECT
      (SELECT count(*) FROM "AuditEvent" a WHERE a."connectionId" = ${connection} AND a."at" > ${since}
        AND a."actor" = ${p.add(RECONCILER_ACTOR)} AND a."action" = ANY(${p.add(ACTIONS)}::text[]))::int AS "offboardings",
      (SELECT count(*) FROM "GitLabUserLink" l WHERE l."connectionId" = ${connection} AND l."gitlabUserId" IS NOT NULL)::int AS "linkedUsers"`;
  const [row] = await runner.query<{ offboardings: number; linkedUsers: number }>(statement, p.values);
  return row;
}
