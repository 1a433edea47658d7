/**
 * retry: parked → pending, due at once, with a fresh budget (attempts 0, no streak start); the last
 * error stays as history. It bumps the generation like a mark does (an admin's retry is a new request
 * to reconcile), which keeps every claim's (generation, attempt) unique (own-claim.ts). Items in any
 * other state are left alone. Targets one subject, or every parked item (of one connection, if given).
 */
import { auditInsertSql } from "../../audit/audit";
import type { SqlParams } from "../../db/sql-params";
import type { SubjectType } from "../../provisioning/sql/mark-subjects";
import { ITEM_COLUMNS } from "./item-columns";

export type RetryTarget = { subjectType: SubjectType; subjectId: string } | { allParked: true; connectionId?: string };

export function retrySql(p: SqlParams, target: RetryTarget, now: Date): string {
  const at = p.timestamp(now);
  let which = "";
  if ("subjectId" in target) which = `AND "subjectType" = ${p.add(target.subjectType)} AND "subjectId" = ${p.uuid(target.subjectId)}`;
  else if (target.connectionId !== undefined) which = `AND "connectionId" = ${p.uuid(target.connectionId)}`;
  return `UPDATE "ReconcileItem" SET "state" = 'pending', "generation" = "generation" + 1, "attempts" = 0, "firstFailedAt" = NULL,
      "parkedReason" = NULL, "nextAttemptAt" = ${at}, "updatedAt" = ${at}
    WHERE "state" = 'parked' ${which}
    RETURNING ${ITEM_COLUMNS}`;
}

/**
 * The same retry with one audit event "reconcile.retried" per item it made due, in the same statement:
 * an operator's retry and its record commit together. The event keeps the error the item was parked with.
 */
export function retryAuditedSql(p: SqlParams, target: RetryTarget, now: Date, audit: { actor: string; requestId?: string }): string {
  const retried = `(SELECT "subjectId" AS "id", "connectionId", "subjectType", "lastError", "lastErrorAt", "generation" FROM retried)`;
  return `WITH retried AS (${retrySql(p, target, now)}),
    audited AS (${auditInsertSql(p, retried, {
      at: now,
      actor: audit.actor,
      action: "reconcile.retried",
      requestId: audit.requestId,
      connectionIdSql: `s."connectionId"`,
      subjectTypeSql: `s."subjectType"`,
      detailsSql: `jsonb_build_object('lastError', s."lastError", 'lastErrorAt', s."lastErrorAt", 'generation', s."generation")`,
    })})
    SELECT * FROM retried`;
}
