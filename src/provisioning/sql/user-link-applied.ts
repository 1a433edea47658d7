/**
 * GitLab confirmed a change to a linked user (profile, identity, state, tokens, deletion): one
 * statement records it in the link row (only the columns the change touched), with its outcome event
 * ("gitlab.user.updated", ".blocked", ".unblocked", ".tokens_revoked", ".deleted"…) and the pending
 * call events. Written as soon as GitLab answers, so a crash after the call repeats at most that call.
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import type { BridgeUserState } from "../gitlab-user-state";
import { linkEventsSql, type LinkWriteContext, type OutcomeEvent } from "./user-link-pieces";

export interface AppliedChange {
  appliedName?: string | null;
  appliedEmail?: string | null;
  appliedProvider?: string | null;
  appliedExternUid?: string | null;
  stateByBridge?: BridgeUserState | null;
  tokensRevokedAt?: Date | null;
  gitlabDeletedAt?: Date | null;
}

const CASTS: Record<keyof AppliedChange, string> = {
  appliedName: "text",
  appliedEmail: "text",
  appliedProvider: "text",
  appliedExternUid: "text",
  stateByBridge: `"GitLabBridgeUserState"`,
  tokensRevokedAt: "timestamptz",
  gitlabDeletedAt: "timestamptz",
};

export async function recordUserApplied(runner: SqlRunner, ctx: LinkWriteContext, change: AppliedChange, event: OutcomeEvent): Promise<void> {
  const p = new SqlParams();
  const sets = (Object.keys(CASTS) as (keyof AppliedChange)[])
    .filter((key) => change[key] !== undefined)
    .map((key) => {
      const value = change[key];
      return `"${key}" = ${p.add(value instanceof Date ? value.toISOString() : value)}::${CASTS[key]}`;
    });
  const statement = `WITH w AS (
      UPDATE "GitLabUserLink" SET ${[...sets, `"updatedAt" = ${p.timestamp(ctx.now)}`].join(", ")}
      WHERE "scimUserId" = ${p.uuid(ctx.scimUserId)}
      RETURNING "scimUserId"),
    ${linkEventsSql(p, ctx, "w", event)}
    done AS (SELECT 1)
    SELECT count(*)::int AS "written" FROM w`;
  await runner.query(statement, p.values);
}
