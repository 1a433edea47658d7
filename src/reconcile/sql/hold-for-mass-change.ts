/**
 * hold for a mass change: claimed → pending with no due time, waiting on the connection's open hold of
 * this kind (created by the first item of a burst, joined by the rest: one admin decision per burst).
 * The attempt is taken back (a hold is not a failure); the item's lastError says what it would have
 * done; the hold's counts keep each held subject's latest numbers; one "reconcile.held" audit event.
 *
 * The open hold is found or made by its openKey ("<connectionId>:<kind>", unique while held, null once
 * decided), so concurrent workers holding at once join one hold. A new mark makes the item due again
 * and its pass guards again: still mass, it joins the open hold again; approved (approve-hold.ts), the
 * pass goes ahead; the completed pass clears holdId.
 */
import crypto from "node:crypto";
import { auditInsertSql } from "../../audit/audit";
import type { SqlParams } from "../../db/sql-params";
import type { MassChange } from "../mass-change-guard";
import type { Claim } from "../queue";
import { ITEM_COLUMNS } from "./item-columns";
import { ownClaimSql } from "./own-claim";

export function holdForMassChangeSql(p: SqlParams, claim: Claim, change: MassChange, now: Date): string {
  const at = p.timestamp(now);
  const entry = { count: change.count, threshold: change.threshold, ...change.counts };
  return `WITH h AS (
      INSERT INTO "ReconcileHold" ("id", "connectionId", "kind", "state", "summary", "counts", "openKey", "createdAt")
      VALUES (${p.uuid(crypto.randomUUID())}, ${p.uuid(claim.connectionId)}, ${p.add(change.kind)}, 'held', ${p.add(change.summary)},
        jsonb_build_object(${p.add(claim.subjectId)}::text, ${p.json(entry)}), ${p.add(`${claim.connectionId}:${change.kind}`)}, ${at})
      ON CONFLICT ("openKey") DO UPDATE SET "summary" = EXCLUDED."summary", "counts" = "ReconcileHold"."counts" || EXCLUDED."counts"
      RETURNING "id"),
    q AS (
      UPDATE "ReconcileItem" SET "state" = 'pending', "attempts" = "attempts" - 1, "nextAttemptAt" = NULL,
        "claimedBy" = NULL, "claimedGeneration" = NULL, "holdId" = (SELECT "id" FROM h),
        "lastError" = ${p.add(`held by the mass-change guard: ${change.summary}`)}, "lastErrorAt" = ${at}, "updatedAt" = ${at}
      WHERE ${ownClaimSql(p, claim)}
      RETURNING ${ITEM_COLUMNS}),
    a AS (${auditInsertSql(p, "(SELECT q.\"subjectId\" AS \"id\" FROM q)", {
      at: now,
      connectionId: claim.connectionId,
      actor: "reconciler",
      action: "reconcile.held",
      subjectType: claim.subjectType,
      requestId: claim.requestId ?? undefined,
      detailsSql: `jsonb_build_object('holdId', (SELECT "id" FROM h), 'kind', ${p.add(change.kind)}::text, 'summary', ${p.add(change.summary)}::text, 'count', ${p.add(change.count)}::int, 'threshold', ${p.add(change.threshold)}::int)`,
    })})
    SELECT * FROM q`;
}
