/**
 * complete: claimed → done, or claimed → pending when the subject was marked again meanwhile.
 *
 * Only the claimer's own, current claim completes (own-claim.ts); anything else changes nothing. The
 * pass succeeded, so the failure streak ends (attempts 0, no streak start); the last error stays as
 * history. If a mark moved the generation during the claim, the applied state is already behind the
 * desired state: the item is due again at once instead of done. A completed pass answered any full
 * (drift) request and any mass-change hold it was let through by.
 */
import type { SqlParams } from "../../db/sql-params";
import { ITEM_COLUMNS } from "./item-columns";
import { ownClaimSql, type ClaimHandle } from "./own-claim";

export function completeSql(p: SqlParams, claim: ClaimHandle, now: Date): string {
  const at = p.timestamp(now);
  const current = `"generation" = "claimedGeneration"`;
  return `UPDATE "ReconcileItem" SET
      "state" = CASE WHEN ${current} THEN 'done' ELSE 'pending' END::"ReconcileState",
      "nextAttemptAt" = CASE WHEN ${current} THEN NULL ELSE ${at} END,
      "full" = CASE WHEN ${current} THEN false ELSE "full" END, "holdId" = NULL,
      "attempts" = 0, "firstFailedAt" = NULL, "claimedBy" = NULL, "claimedGeneration" = NULL, "updatedAt" = ${at}
    WHERE ${ownClaimSql(p, claim)}
    RETURNING ${ITEM_COLUMNS}`;
}
