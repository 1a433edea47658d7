/**
 * claim: pending → claimed, and claimed (lease expired) → claimed by the new worker.
 *
 * Takes up to `limit` due items, offboardings first (priority 0, see mark-subjects.ts), then in due
 * order: pending items whose nextAttemptAt has come, and claimed items whose lease (their
 * nextAttemptAt) has ended. `FOR UPDATE SKIP LOCKED` lets several workers
 * and bridge instances claim at once without waiting on each other or taking the same item. Each
 * claim counts as an attempt and records the generation it works on. Taking over an expired lease is
 * a failed attempt (the worker died or hung): it is recorded as the last error, and when that spends
 * the budget the item is parked instead of claimed, so a subject that kills its worker every time
 * stops being retried. Returns only the items it claimed, each with its subject's state as the pass
 * needs it (for a user: find-user-subject.ts's row, as "user"), so that a pass starts with one round
 * trip, not two.
 */
import type { SqlParams } from "../../db/sql-params";
import { budgetSql, type RetryBudget } from "./budget";
import { claimedUserSubjectSql } from "../../provisioning/sql/find-user-subject";
import { ITEM_COLUMNS } from "./item-columns";

export interface ClaimRequest {
  claimedBy: string;
  limit: number;
  leaseMs: number;
}

/**
 * The limit is written into the statement, not bound: the embedded database plans generically (open.ts),
 * and a generic plan for an unknown LIMIT expects 10% of the queue, so the UPDATE hash-joined a
 * sequential scan of every ReconcileItem (done ones included) on every claim: 2 ms at 12,000 items,
 * growing with the table. With the literal (a worker's batch, up to 4) it takes the claimed rows by
 * primary key.
 */
function limitLiteral(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`a claim's limit must be a positive integer, got ${limit}`);
  return String(limit);
}

export function claimSql(p: SqlParams, request: ClaimRequest, budget: RetryBudget, now: Date): string {
  const at = p.timestamp(now);
  const { spent, reason } = budgetSql(p, budget, at);
  const expired = `"state" = 'claimed'`;
  const parks = `(${expired} AND ${spent})`;
  return `WITH due AS (
      SELECT "id" FROM "ReconcileItem"
      WHERE "nextAttemptAt" <= ${at} AND "state" IN ('pending', 'claimed')
      ORDER BY "priority", "nextAttemptAt", "id" LIMIT ${limitLiteral(request.limit)}
      FOR UPDATE SKIP LOCKED),
    taken AS (
      UPDATE "ReconcileItem" i SET
        "state" = CASE WHEN ${parks} THEN 'parked' ELSE 'claimed' END::"ReconcileState",
        "parkedReason" = CASE WHEN ${parks} THEN ${reason} END,
        "attempts" = CASE WHEN ${parks} THEN "attempts" ELSE "attempts" + 1 END,
        "claimedBy" = CASE WHEN ${parks} THEN NULL ELSE ${p.add(request.claimedBy)} END,
        "claimedGeneration" = CASE WHEN ${parks} THEN NULL ELSE "generation" END,
        "nextAttemptAt" = CASE WHEN ${parks} THEN NULL ELSE ${p.timestamp(new Date(now.getTime() + request.leaseMs))} END,
        "lastError" = CASE WHEN ${expired} THEN format('lease of %s ended before it completed attempt %s', "claimedBy", "attempts") ELSE "lastError" END,
        "lastErrorAt" = CASE WHEN ${expired} THEN ${at} ELSE "lastErrorAt" END,
        "firstFailedAt" = CASE WHEN ${expired} THEN COALESCE("firstFailedAt", ${at}) ELSE "firstFailedAt" END,
        "updatedAt" = ${at}
      FROM due WHERE i."id" = due."id"
      RETURNING i.*)
    SELECT ${ITEM_COLUMNS}, ${claimedUserSubjectSql("taken")} AS "user" FROM taken WHERE "state" = 'claimed' ORDER BY "priority", "id"`;
}
