/**
 * fail: claimed → pending after a backoff (a retryable error), or claimed → parked when that spends
 * the budget (budget.ts).
 *
 * Only the claimer's own, current claim fails (own-claim.ts). The backoff is computed here, in SQL:
 * baseDelay · 2^(attempts − 1), capped at maxDelay, times a jitter factor drawn from [0.5, 1) so that
 * subjects that failed together do not come back together; never before `notBefore` (GitLab's
 * Retry-After or RateLimit-Reset). If a mark moved the generation during the claim, the new desired
 * state gets its try at once (still not before `notBefore`), as a mark right after the failure would
 * have made it due. The error, its time and the streak's start are recorded either way.
 */
import type { SqlParams } from "../../db/sql-params";
import { budgetSql, type RetryBudget } from "./budget";
import { ITEM_COLUMNS } from "./item-columns";
import { ownClaimSql, type ClaimHandle } from "./own-claim";

export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface Failure {
  error: string;
  notBefore?: Date | null;
}

export function failSql(p: SqlParams, claim: ClaimHandle, failure: Failure, policy: Backoff & RetryBudget, now: Date): string {
  const at = p.timestamp(now);
  const notBefore = `${p.add(failure.notBefore ? failure.notBefore.toISOString() : null)}::timestamptz`;
  const { spent, reason } = budgetSql(p, policy, at);
  const moved = `"generation" <> "claimedGeneration"`;
  const parks = `(${spent} AND NOT ${moved})`;
  const delayMs = `LEAST(${p.add(policy.maxDelayMs)}::float8, ${p.add(policy.baseDelayMs)}::float8 * power(2, LEAST("attempts" - 1, 60))) * (0.5 + random() / 2)`;
  // GREATEST ignores NULL: without a notBefore the other term decides.
  return `UPDATE "ReconcileItem" SET
      "state" = CASE WHEN ${parks} THEN 'parked' ELSE 'pending' END::"ReconcileState",
      "parkedReason" = CASE WHEN ${parks} THEN ${reason} END,
      "nextAttemptAt" = CASE WHEN ${parks} THEN NULL
        WHEN ${moved} THEN GREATEST(${at}, ${notBefore})
        ELSE GREATEST(${at} + ${delayMs} * interval '1 millisecond', ${notBefore}) END,
      "lastError" = ${p.add(failure.error)}, "lastErrorAt" = ${at}, "firstFailedAt" = COALESCE("firstFailedAt", ${at}),
      "claimedBy" = NULL, "claimedGeneration" = NULL, "updatedAt" = ${at}
    WHERE ${ownClaimSql(p, claim)}
    RETURNING ${ITEM_COLUMNS}`;
}
