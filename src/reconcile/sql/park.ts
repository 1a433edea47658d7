/**
 * park: claimed → parked with a permanent error (GitLab refused for a reason retrying cannot fix), until
 * someone retries it (retry.ts) or a new mark brings a new desired state.
 *
 * Only the claimer's own, current claim parks (own-claim.ts). If a mark moved the generation during
 * the claim, the new desired state may not hit the same error, so the item is due again at once
 * instead, as a mark right after the park would have made it; the error is recorded either way.
 */
import type { SqlParams } from "../../db/sql-params";
import { ITEM_COLUMNS } from "./item-columns";
import { ownClaimSql, type ClaimHandle } from "./own-claim";

export function parkSql(p: SqlParams, claim: ClaimHandle, error: string, now: Date): string {
  const at = p.timestamp(now);
  const moved = `"generation" <> "claimedGeneration"`;
  return `UPDATE "ReconcileItem" SET
      "state" = CASE WHEN ${moved} THEN 'pending' ELSE 'parked' END::"ReconcileState",
      "parkedReason" = CASE WHEN ${moved} THEN NULL ELSE 'permanent_error' END::"ReconcileParkReason",
      "nextAttemptAt" = CASE WHEN ${moved} THEN ${at} END,
      "lastError" = ${p.add(error)}, "lastErrorAt" = ${at}, "firstFailedAt" = COALESCE("firstFailedAt", ${at}),
      "claimedBy" = NULL, "claimedGeneration" = NULL, "updatedAt" = ${at}
    WHERE ${ownClaimSql(p, claim)}
    RETURNING ${ITEM_COLUMNS}`;
}
