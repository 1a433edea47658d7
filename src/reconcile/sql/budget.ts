/**
 * The retry budget as SQL over an item's row (attempts and the failure streak's start), shared by the
 * two statements that can find it spent: fail, and claim when it takes over an expired lease.
 */
import type { SqlParams } from "../../db/sql-params";

export interface RetryBudget {
  /** Attempts (claims) allowed since the last completed pass. */
  maxAttempts: number;
  /** How long a subject may keep failing, from its first failure in the streak. */
  maxFailingMs: number;
}

/** `spent`: a boolean expression; `reason`: the ReconcileParkReason it implies. `at` is the clock's placeholder. */
export function budgetSql(p: SqlParams, budget: RetryBudget, at: string): { spent: string; reason: string } {
  const maxAttempts = `${p.add(budget.maxAttempts)}::int`;
  const attemptsSpent = `"attempts" >= ${maxAttempts}`;
  const timeSpent = `${at} - COALESCE("firstFailedAt", ${at}) >= ${p.add(budget.maxFailingMs)}::float8 * interval '1 millisecond'`;
  return {
    spent: `(${attemptsSpent} OR ${timeSpent})`,
    reason: `CASE WHEN ${attemptsSpent} THEN 'attempt_budget' ELSE 'time_budget' END::"ReconcileParkReason"`,
  };
}
