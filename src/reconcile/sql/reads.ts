/**
 * The queue's reads for the CLI, the admin pages and the SCIM extension: one item by subject, counts
 * by state, and the parked items with their errors. Admin reads, rare: counts and the parked list scan
 * the table rather than cost every mark another index.
 */
import type { SqlParams } from "../../db/sql-params";
import type { SubjectType } from "../../provisioning/sql/mark-subjects";
import { ITEM_COLUMNS } from "./item-columns";

export function findItemSql(p: SqlParams, subject: { subjectType: SubjectType; subjectId: string }): string {
  return `SELECT ${ITEM_COLUMNS} FROM "ReconcileItem" WHERE "subjectType" = ${p.add(subject.subjectType)} AND "subjectId" = ${p.uuid(subject.subjectId)}`;
}

function connectionFilter(p: SqlParams, connectionId: string | undefined, keyword: "WHERE" | "AND"): string {
  return connectionId === undefined ? "" : `${keyword} "connectionId" = ${p.uuid(connectionId)}`;
}

export function countByStateSql(p: SqlParams, filter: { connectionId?: string }): string {
  return `SELECT "state"::text AS "state", count(*)::int AS "count" FROM "ReconcileItem" ${connectionFilter(p, filter.connectionId, "WHERE")} GROUP BY "state"`;
}

export function listParkedSql(p: SqlParams, filter: { connectionId?: string; limit: number }): string {
  return `SELECT ${ITEM_COLUMNS} FROM "ReconcileItem" WHERE "state" = 'parked' ${connectionFilter(p, filter.connectionId, "AND")}
    ORDER BY "lastErrorAt" DESC NULLS LAST, "id" LIMIT ${p.add(filter.limit)}::int`;
}
