/**
 * What GitLab just confirmed about a SCIM user's GitLab account, one statement: the link row
 * (user-link-write.ts) — a new link (found by identity, email or username, or just created), or the
 * columns a change touched (profile, identity, state, tokens, deletion) — with its outcome event
 * ("gitlab.user.linked", ".created", ".updated", ".blocked", ".tokens_revoked"…) and the pending call
 * events. Also the bridge's intent before a deprovisioning call (stateByBridge with syncState
 * pending, no outcome event).
 *
 * Written before the pass's next GitLab call, so a crash after a call repeats at most that call (and
 * every call is idempotent). A pass's last record is written by its settle instead
 * (src/reconcile/sql/settle-user.ts), in one statement with the end of the pass.
 *
 * The unique index on gitlabUserId decides a race between two SCIM users for one GitLab user: the
 * loser's link is a unique violation (the reconciler turns it into a conflict).
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import { linkEventsSql, type LinkWriteContext, type OutcomeEvent } from "./user-link-pieces";
import { userLinkWriteSql, type LinkRecord } from "./user-link-write";

export async function recordUserLink(runner: SqlRunner, ctx: LinkWriteContext, record: LinkRecord, event: OutcomeEvent | undefined): Promise<void> {
  const p = new SqlParams();
  const statement = `WITH w AS (${userLinkWriteSql(p, ctx, ctx.now, record, null)}),
    ${linkEventsSql(p, ctx, "w", event)}
    done AS (SELECT 1)
    SELECT count(*)::int AS "written" FROM w`;
  await runner.query(statement, p.values);
}
