/**
 * The columns every hold statement returns, in the shape of Hold (src/reconcile/holds.ts): the enum
 * as text, so both drivers hand back the same plain values. Over a row source named "h".
 */
export const HOLD_COLUMNS = `h."id", h."connectionId", h."kind", h."state"::text AS "state", h."summary", h."counts", h."createdAt", h."decidedAt", h."decidedBy"`;
