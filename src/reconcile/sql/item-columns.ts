/**
 * The columns every queue statement returns, in the shape of QueueItem (src/reconcile/queue.ts):
 * the bigint id and the enums as text, so both drivers hand back the same plain values.
 */
export const ITEM_COLUMNS = `"id"::text AS "id", "connectionId", "subjectType", "subjectId", "state"::text AS "state", "generation", "attempts",
  "dirtyAt", "nextAttemptAt", "claimedBy", "claimedGeneration", "lastError", "lastErrorAt", "firstFailedAt",
  "parkedReason"::text AS "parkedReason", "priority", "requestId", "full", "holdId", "updatedAt"`;
