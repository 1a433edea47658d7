/**
 * A SCIM user is now linked to a GitLab user (found by identity, email or username, or just created),
 * one statement: the link row (created, or replaced if the user had one) with what GitLab showed of
 * the account, the "gitlab.user.linked"/"gitlab.user.created" event and the pending call events. The
 * unique index on gitlabUserId decides a race between two SCIM users for one GitLab user: the loser
 * gets a unique violation (the executor turns it into a conflict).
 */
import type { SqlParams } from "../../db/sql-params";
import { SqlParams as Params } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import type { BridgeUserState, LinkMethod } from "../gitlab-user-state";
import { linkEventsSql, type LinkWriteContext, type OutcomeEvent } from "./user-link-pieces";

export interface NewLink {
  gitlabUserId: number;
  gitlabUsername: string;
  linkedBy: LinkMethod;
  appliedName: string | null;
  appliedEmail: string | null;
  appliedProvider: string | null;
  appliedExternUid: string | null;
  /** Carried over from a tombstone's link that this user took over (reactivation undoes it). */
  stateByBridge: BridgeUserState | null;
}

function linkedSql(p: SqlParams, ctx: LinkWriteContext, link: NewLink, event: OutcomeEvent): string {
  const at = p.timestamp(ctx.now);
  return `WITH w AS (
      INSERT INTO "GitLabUserLink" ("scimUserId", "connectionId", "gitlabUserId", "gitlabUsername", "linkedBy", "linkedAt", "syncState",
        "appliedName", "appliedEmail", "appliedProvider", "appliedExternUid", "stateByBridge", "tokensRevokedAt", "gitlabDeletedAt", "updatedAt")
      VALUES (${p.uuid(ctx.scimUserId)}, ${p.uuid(ctx.connectionId)}, ${p.add(link.gitlabUserId)}::int, ${p.add(link.gitlabUsername)}, ${p.add(link.linkedBy)}::"GitLabLinkMethod", ${at}, 'pending',
        ${p.add(link.appliedName)}, ${p.add(link.appliedEmail)}, ${p.add(link.appliedProvider)}, ${p.add(link.appliedExternUid)}, ${p.add(link.stateByBridge)}::"GitLabBridgeUserState", NULL, NULL, ${at})
      ON CONFLICT ("scimUserId") DO UPDATE SET "gitlabUserId" = EXCLUDED."gitlabUserId", "gitlabUsername" = EXCLUDED."gitlabUsername", "linkedBy" = EXCLUDED."linkedBy",
        "linkedAt" = EXCLUDED."linkedAt", "appliedName" = EXCLUDED."appliedName", "appliedEmail" = EXCLUDED."appliedEmail", "appliedProvider" = EXCLUDED."appliedProvider",
        "appliedExternUid" = EXCLUDED."appliedExternUid", "stateByBridge" = EXCLUDED."stateByBridge", "tokensRevokedAt" = NULL, "gitlabDeletedAt" = NULL, "updatedAt" = EXCLUDED."updatedAt"
      RETURNING "scimUserId"),
    ${linkEventsSql(p, ctx, "w", event)}
    done AS (SELECT 1)
    SELECT count(*)::int AS "written" FROM w`;
}

export async function recordUserLinked(runner: SqlRunner, ctx: LinkWriteContext, link: NewLink, event: OutcomeEvent): Promise<void> {
  const p = new Params();
  const statement = linkedSql(p, ctx, link, event);
  await runner.query(statement, p.values);
}
