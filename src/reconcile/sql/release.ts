/**
 * release: claimed → pending, handing a claim back without counting it as an attempt. For work the
 * worker could not start through no fault of the subject: GitLab as a whole is down or throttling
 * (the breaker is open), or the worker is shutting down. The subject's budget and last error stay as
 * they were; it is due again at `notBefore` (the breaker's next probe), or at once.
 *
 * Only the claimer's own, current claim is released (own-claim.ts). The claim's attempt is taken back,
 * so the next claim gets the same attempt number again: the released handle must not be used again.
 */
import type { SqlParams } from "../../db/sql-params";
import { ITEM_COLUMNS } from "./item-columns";
import { ownClaimSql, type ClaimHandle } from "./own-claim";

export function releaseSql(p: SqlParams, claim: ClaimHandle, notBefore: Date | null, now: Date): string {
  const at = p.timestamp(now);
  return `UPDATE "ReconcileItem" SET "state" = 'pending', "attempts" = "attempts" - 1,
      "nextAttemptAt" = GREATEST(${at}, ${p.add(notBefore ? notBefore.toISOString() : null)}::timestamptz),
      "claimedBy" = NULL, "claimedGeneration" = NULL, "updatedAt" = ${at}
    WHERE ${ownClaimSql(p, claim)}
    RETURNING ${ITEM_COLUMNS}`;
}
