/**
 * What the hold statements share. The columns every one returns, in the shape of Hold
 * (src/reconcile/holds.ts): the enum as text, so both drivers hand back the same plain values. Over a
 * row source named "h".
 */
import { auditInsertSql } from "../../audit/audit";
import type { SqlParams } from "../../db/sql-params";

export const HOLD_COLUMNS = `h."id", h."connectionId", h."kind", h."state"::text AS "state", h."summary", h."counts", h."createdAt", h."decidedAt", h."decidedBy"`;

/**
 * The end of an admin's decision on the hold "h" whose items the statement moved ("q"): the decision's
 * audit event by the deciding actor, then the hold with the number of its items.
 */
export function holdDecidedSql(p: SqlParams, action: "reconcile.hold_approved" | "reconcile.hold_discarded", decision: { actor: string; requestId?: string }, now: Date): string {
  return `a AS (${auditInsertSql(p, "h", {
    at: now,
    actor: decision.actor,
    action,
    subjectType: "hold",
    requestId: decision.requestId,
    connectionIdSql: `s."connectionId"`,
    detailsSql: `jsonb_build_object('kind', s."kind", 'summary', s."summary", 'counts', s."counts", 'items', (SELECT count(*) FROM q)::int)`,
  })})
    SELECT ${HOLD_COLUMNS}, (SELECT count(*) FROM q)::int AS "items" FROM h`;
}
