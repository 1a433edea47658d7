/**
 * discard a hold: held → discarded (openKey freed, decidedAt/By set), and in the same statement its
 * waiting items are parked (permanent_error, lastError "mass change discarded by <actor>: <summary>",
 * holdId cleared) until the IdP sends something new (a mark) or someone retries them; the held
 * subjects' syncState becomes failed with that error. One "reconcile.hold_discarded" audit event by the
 * deciding actor. A claimed item (a pass in flight, which found the hold still held and holds again,
 * or was let through before) is left to its pass. A hold that is not held changes nothing and returns
 * no row (the caller says why).
 */
import type { SqlParams } from "../../db/sql-params";
import { holdDecidedSql } from "./hold-columns";

export function discardHoldSql(p: SqlParams, holdId: string, decision: { actor: string; requestId?: string }, now: Date): string {
  const at = p.timestamp(now);
  const error = `'mass change discarded by ' || ${p.add(decision.actor)}::text || ': ' || (SELECT "summary" FROM h)`;
  return `WITH h AS (
      UPDATE "ReconcileHold" SET "state" = 'discarded', "openKey" = NULL, "decidedAt" = ${at}, "decidedBy" = ${p.add(decision.actor)}
      WHERE "id" = ${p.uuid(holdId)} AND "state" = 'held'
      RETURNING *),
    q AS (
      UPDATE "ReconcileItem" SET "state" = 'parked', "parkedReason" = 'permanent_error', "nextAttemptAt" = NULL, "holdId" = NULL,
        "lastError" = ${error}, "lastErrorAt" = ${at}, "firstFailedAt" = COALESCE("firstFailedAt", ${at}), "updatedAt" = ${at}
      WHERE "holdId" = (SELECT "id" FROM h) AND "state" = 'pending'
      RETURNING "subjectType", "subjectId"),
    l AS (
      UPDATE "GitLabUserLink" SET "syncState" = 'failed', "lastError" = ${error}, "updatedAt" = ${at}
      WHERE "scimUserId" IN (SELECT "subjectId" FROM q WHERE "subjectType" = 'user')
      RETURNING 1),
    t AS (
      UPDATE "GitLabGroupTarget" SET "syncState" = 'failed', "lastError" = ${error}, "updatedAt" = ${at}
      WHERE "id" IN (SELECT "subjectId" FROM q WHERE "subjectType" = 'gitlab_group')
      RETURNING 1),
    ${holdDecidedSql(p, "reconcile.hold_discarded", decision, now)}`;
}
