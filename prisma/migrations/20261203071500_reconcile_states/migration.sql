-- The reconcile queue becomes an explicit state machine (src/reconcile/queue.ts describes the edges).
-- "state" was free text; only 'pending' was ever written (no worker existed), so every row that is
-- not 'done' becomes a pending item, due when it was due: re-reconciling a subject is harmless, while
-- guessing that an unknown state meant "finished" could lose work.
CREATE TYPE "ReconcileState" AS ENUM ('pending', 'claimed', 'done', 'parked');
CREATE TYPE "ReconcileParkReason" AS ENUM ('permanent_error', 'attempt_budget', 'time_budget');

ALTER TABLE "ReconcileItem"
    ALTER COLUMN "state" DROP DEFAULT,
    ALTER COLUMN "state" TYPE "ReconcileState"
        USING (CASE WHEN "state" = 'done' THEN 'done' ELSE 'pending' END)::"ReconcileState",
    ALTER COLUMN "state" SET DEFAULT 'pending',
    -- nextAttemptAt is when the queue next looks at the item (a claimed item: when its lease ends);
    -- done and parked items have none, so the claim's index holds only live work.
    ALTER COLUMN "nextAttemptAt" DROP NOT NULL,
    -- The lease's end is nextAttemptAt: one column, so the claim reads one index for both kinds of due work.
    DROP COLUMN "claimedUntil",
    ADD COLUMN "claimedGeneration" INTEGER,
    ADD COLUMN "lastErrorAt" TIMESTAMPTZ(3),
    ADD COLUMN "firstFailedAt" TIMESTAMPTZ(3),
    ADD COLUMN "parkedReason" "ReconcileParkReason";

UPDATE "ReconcileItem" SET "claimedBy" = NULL, "nextAttemptAt" = CASE WHEN "state" = 'done' THEN NULL ELSE "nextAttemptAt" END;

DROP INDEX "ReconcileItem_state_nextAttemptAt_idx";
CREATE INDEX "ReconcileItem_nextAttemptAt_idx" ON "ReconcileItem"("nextAttemptAt");
