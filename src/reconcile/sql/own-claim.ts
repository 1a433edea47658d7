/**
 * The condition that makes a worker's transition apply only to its own, still current claim: the item
 * is claimed by this worker, for the generation and the attempt it was handed. A claim that was lost
 * (lease expired and reclaimed, even by the same worker: the attempt moved) or ended matches nothing,
 * so the transition does nothing. (generation, attempt) does not repeat for an item: claims raise the
 * attempt, and the resets of attempts (complete, retry) come with a new generation before the next
 * claim. The one exception is release, which takes its attempt back: a handle its owner released must
 * not be used again.
 */
import type { SqlParams } from "../../db/sql-params";

export interface ClaimHandle {
  itemId: string;
  claimedBy: string;
  generation: number;
  attempt: number;
}

export function ownClaimSql(p: SqlParams, claim: ClaimHandle): string {
  return `"id" = ${p.add(claim.itemId)}::bigint AND "state" = 'claimed' AND "claimedBy" = ${p.add(claim.claimedBy)}
    AND "claimedGeneration" = ${p.add(claim.generation)}::int AND "attempts" = ${p.add(claim.attempt)}::int`;
}
