/**
 * hold: claimed → pending with no due time, for a subject whose connection is in dry run. The worker
 * recorded the plan it would run; the item waits, not done, so that turning dry run off reconciles
 * it (resume-held.ts). The attempt is taken back as in release.ts: dry run is not a failure. A new
 * mark makes a held item due again (the mark's LEAST ignores the missing due time), and it is planned
 * again, so the recorded plan follows the desired state.
 *
 * Only the claimer's own, current claim is held (own-claim.ts); the handle must not be used again. If
 * a mark moved the generation during the claim, the item is held all the same: the new desired state
 * is planned when dry run ends, or at the next mark.
 */
import type { SqlParams } from "../../db/sql-params";
import { ITEM_COLUMNS } from "./item-columns";
import { ownClaimSql, type ClaimHandle } from "./own-claim";

export function holdSql(p: SqlParams, claim: ClaimHandle, now: Date): string {
  return `UPDATE "ReconcileItem" SET "state" = 'pending', "attempts" = "attempts" - 1, "nextAttemptAt" = NULL,
      "claimedBy" = NULL, "claimedGeneration" = NULL, "updatedAt" = ${p.timestamp(now)}
    WHERE ${ownClaimSql(p, claim)}
    RETURNING ${ITEM_COLUMNS}`;
}
