/**
 * The mass-change guard: an IdP mistake (a scoping change, an empty group push) must not wipe GitLab.
 * Before a pass removes memberships or a burst blocks users beyond the connection's threshold
 * (settings.massChangeThreshold), the pass stops before acting and its item waits on a hold until an
 * admin approves it (`approve HOLD_ID`: the held passes run) or discards it (`discard HOLD_ID`: they
 * are parked until the IdP sends something new).
 *
 * Hold states: held ──approve──▶ approved (items due now; their passes go ahead)
 *                   └─discard──▶ discarded (items parked with the reason)
 */
import { SqlParams } from "../db/sql-params";
import type { SqlRunner } from "../db/sql-runner";
import type { Claim, QueueItem } from "./queue";
import { holdForMassChangeSql } from "./sql/hold-for-mass-change";

export const HOLD_KINDS = ["membership_removals", "offboardings"] as const;
export type HoldKind = (typeof HOLD_KINDS)[number];

export interface MassChange {
  kind: HoldKind;
  /** How many removals (or blocks) the pass would make. */
  count: number;
  /** settings.massChangeThreshold for the connection. */
  threshold: number;
  /** One sentence with the numbers, e.g. `would remove 120 memberships of acme/dev (threshold 50)`. */
  summary: string;
  /** Other numbers worth keeping with the hold (e.g. managedUsers). */
  counts?: Record<string, number>;
}

export type GuardVerdict = { verdict: "proceed" } | { verdict: "held"; item: QueueItem | null };

/**
 * "proceed" when the change is within the threshold or the claim was let through by an approved hold;
 * otherwise the item is held (the claim ends: do not settle it again) and "held" is returned.
 */
export async function guardMassChange(runner: SqlRunner, claim: Claim, change: MassChange, now: Date): Promise<GuardVerdict> {
  if (change.count <= change.threshold) return { verdict: "proceed" };
  if (claim.holdId !== null) {
    const [hold] = await runner.query<{ state: string }>(`SELECT "state"::text AS "state" FROM "ReconcileHold" WHERE "id" = $1::uuid`, [claim.holdId]);
    if (hold?.state === "approved") return { verdict: "proceed" };
  }
  const p = new SqlParams();
  const [item] = await runner.query<QueueItem>(holdForMassChangeSql(p, claim, change, now), p.values);
  return { verdict: "held", item: item ?? null };
}
