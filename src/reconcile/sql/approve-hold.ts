/**
 * approve a hold: held → approved (openKey freed, decidedAt/By set), and in the same statement its
 * waiting items (pending with no due time) become due now, keeping their holdId: their passes guard
 * again, find the hold approved and go ahead (mass-change-guard.ts); the completed pass clears holdId.
 * The held subjects' syncState goes from held back to pending until their pass settles it. One
 * "reconcile.hold_approved" audit event by the deciding actor. A hold that is not held changes
 * nothing and returns no row (the caller says why).
 */
import type { SqlParams } from "../../db/sql-params";
import { holdDecidedSql } from "./hold-columns";

export function approveHoldSql(p: SqlParams, holdId: string, decision: { actor: string; requestId?: string }, now: Date): string {
  const at = p.timestamp(now);
  return `WITH h AS (
      UPDATE "ReconcileHold" SET "state" = 'approved', "openKey" = NULL, "decidedAt" = ${at}, "decidedBy" = ${p.add(decision.actor)}
      WHERE "id" = ${p.uuid(holdId)} AND "state" = 'held'
      RETURNING *),
    q AS (
      UPDATE "ReconcileItem" SET "nextAttemptAt" = COALESCE("nextAttemptAt", ${at}), "updatedAt" = ${at}
      WHERE "holdId" = (SELECT "id" FROM h) AND "state" = 'pending'
      RETURNING "subjectType", "subjectId"),
    l AS (
      UPDATE "GitLabUserLink" SET "syncState" = 'pending', "updatedAt" = ${at}
      WHERE "syncState" = 'held' AND "scimUserId" IN (SELECT "subjectId" FROM q WHERE "subjectType" = 'user')
      RETURNING 1),
    t AS (
      UPDATE "GitLabGroupTarget" SET "syncState" = 'pending', "updatedAt" = ${at}
      WHERE "syncState" = 'held' AND "id" IN (SELECT "subjectId" FROM q WHERE "subjectType" = 'gitlab_group')
      RETURNING 1),
    ${holdDecidedSql(p, "reconcile.hold_approved", decision, now)}`;
}
