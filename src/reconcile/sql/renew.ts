/**
 * renew: claimed → claimed with a later lease end, for a worker whose pass takes longer than its
 * lease (a slow or throttling GitLab). Only the claimer's own, current claim is renewed; a lease that
 * already passed to another worker stays with it.
 */
import type { SqlParams } from "../../db/sql-params";
import { ITEM_COLUMNS } from "./item-columns";
import { ownClaimSql, type ClaimHandle } from "./own-claim";

export function renewSql(p: SqlParams, claim: ClaimHandle, leaseMs: number, now: Date): string {
  return `UPDATE "ReconcileItem" SET "nextAttemptAt" = ${p.timestamp(new Date(now.getTime() + leaseMs))}, "updatedAt" = ${p.timestamp(now)}
    WHERE ${ownClaimSql(p, claim)}
    RETURNING ${ITEM_COLUMNS}`;
}
