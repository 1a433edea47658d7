/**
 * retry: parked → pending, due at once, with a fresh budget (attempts 0, no streak start); the last
 * error stays as history. It bumps the generation like a mark does (an admin's retry is a new request
 * to reconcile), which keeps every claim's (generation, attempt) unique (own-claim.ts). Items in any
 * other state are left alone. Targets one subject, or every parked item (of one connection, if given).
 */
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
