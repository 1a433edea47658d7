/**
 * The linked users a drift sweep compares with GitLab, one statement: every link with a GitLab account
 * the bridge has not deleted, of the given connections, with the SCIM user's desired active-ness, what
 * the bridge set, and whether the user's reconcile item is in flight (pending or claimed).
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import type { SweptLink } from "../user-drift";

export async function findSweepLinks(runner: SqlRunner, connectionIds: readonly string[]): Promise<SweptLink[]> {
  const p = new SqlParams();
  return runner.query<SweptLink>(
    `SELECT l."scimUserId", l."connectionId", u."userName", l."gitlabUserId", l."gitlabUsername",
        (u."active" AND u."deletedAt" IS NULL) AS "desiredActive", l."stateByBridge"::text AS "stateByBridge",
        (i."state" IS NOT NULL AND i."state" IN ('pending', 'claimed')) AS "inFlight"
      FROM "GitLabUserLink" l
      JOIN "ScimUser" u ON u."id" = l."scimUserId"
      LEFT JOIN "ReconcileItem" i ON i."subjectType" = 'user' AND i."subjectId" = l."scimUserId"
      WHERE l."gitlabUserId" IS NOT NULL AND l."gitlabDeletedAt" IS NULL AND l."connectionId" = ANY(${p.add(connectionIds)}::uuid[])`,
    p.values,
  );
}
