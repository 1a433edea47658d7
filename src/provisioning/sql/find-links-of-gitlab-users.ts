/**
 * Which SCIM users (of any connection) the bridge has linked to these GitLab users, and whether each is
 * a tombstone: the planner's test for "candidate already linked to another SCIM user" (a conflict) or
 * "linked to a deleted SCIM user of the same connection" (taken over).
 */
import type { SqlRunner } from "../../db/sql-runner";
import type { BridgeUserState } from "../gitlab-user-state";

export interface GitLabUserHolder {
  gitlabUserId: number;
  scimUserId: string;
  connectionId: string;
  /** The holder is a deleted SCIM user. */
  tombstone: boolean;
  /** What the bridge set on the account for this holder (carried over on a takeover). */
  stateByBridge: BridgeUserState | null;
}

export async function findLinksOfGitLabUsers(runner: SqlRunner, gitlabUserIds: readonly number[]): Promise<GitLabUserHolder[]> {
  if (gitlabUserIds.length === 0) return [];
  return runner.query<GitLabUserHolder>(
    `SELECT l."gitlabUserId", l."scimUserId", l."connectionId", u."deletedAt" IS NOT NULL AS "tombstone", l."stateByBridge"::text AS "stateByBridge"
     FROM "GitLabUserLink" l JOIN "ScimUser" u ON u."id" = l."scimUserId"
     WHERE l."gitlabUserId" = ANY($1::int[])`,
    [gitlabUserIds],
  );
}
