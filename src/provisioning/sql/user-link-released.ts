/**
 * A deleted SCIM user's link gives up its GitLab user, so that a new SCIM user of the same connection
 * with the same identity can take it over (re-creating a deleted user = reactivation). One statement:
 * the tombstone's link loses its gitlabUserId (its row stays as history) and an event
 * "gitlab.user.unlinked" names the new holder. Answers what the bridge had set on the account
 * (stateByBridge), which the new link carries over; null when the tombstone no longer held it.
 */
import { auditInsertSql } from "../../audit/audit";
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import type { BridgeUserState } from "../gitlab-user-state";
import { RECONCILER_ACTOR } from "./user-link-pieces";

export interface Release {
  connectionId: string;
  tombstoneScimUserId: string;
  gitlabUserId: number;
  takenOverBy: string;
  requestId: string | null;
  now: Date;
}

export async function releaseUserLink(runner: SqlRunner, release: Release): Promise<{ stateByBridge: BridgeUserState | null } | null> {
  const p = new SqlParams();
  const at = p.timestamp(release.now);
  const statement = `WITH w AS (
      UPDATE "GitLabUserLink" SET "gitlabUserId" = NULL, "updatedAt" = ${at}
      WHERE "scimUserId" = ${p.uuid(release.tombstoneScimUserId)} AND "gitlabUserId" = ${p.add(release.gitlabUserId)}::int
      RETURNING "scimUserId" AS "id", "stateByBridge"::text AS "stateByBridge"),
    a AS (${auditInsertSql(p, "w", { at: release.now, connectionId: release.connectionId, actor: RECONCILER_ACTOR, action: "gitlab.user.unlinked", subjectType: "user", requestId: release.requestId ?? undefined, details: { gitlabUserId: release.gitlabUserId, takenOverBy: release.takenOverBy } })})
    SELECT "stateByBridge" FROM w`;
  const [row] = await runner.query<{ stateByBridge: BridgeUserState | null }>(statement, p.values);
  return row ?? null;
}
