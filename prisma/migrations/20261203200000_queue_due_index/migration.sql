-- The claim's index holds only the items the queue may claim (pending with a due time, claimed with a
-- lease end): done, parked and held items have no nextAttemptAt. Before, (priority, nextAttemptAt) held
-- every subject ever marked, and the embedded database's generic plan for the claim could pick a
-- sequential scan of the whole table once ANALYZE saw most items done (measured: 2 ms a claim at
-- 12,000 items, growing with the tenant). "id" completes the claim's order, so no sort is needed.
DROP INDEX "ReconcileItem_priority_nextAttemptAt_idx";
CREATE INDEX "ReconcileItem_due_idx" ON "ReconcileItem"("priority", "nextAttemptAt", "id") WHERE "nextAttemptAt" IS NOT NULL;

-- The offboarding guard counts the offboarding marks (priority 0) of the last hour
-- (src/reconcile/sql/recent-offboardings.ts), which the old index served by its first column.
CREATE INDEX "ReconcileItem_priority_dirtyAt_idx" ON "ReconcileItem"("priority", "dirtyAt");
