-- Issue 10: the bridge acts on GitLab. Two additions.
--
-- 1. The reconcile mark carries what the reconcilers need to order and explain their work:
--    "priority" (0 = offboarding: deactivation and deletion jump the line of a bulk import, 1 = the rest)
--    and "requestId" (the SCIM request that made the latest mark: every GitLab call made for it is
--    audited with that id as its correlation id). The claim reads due work by priority, then due time.
ALTER TABLE "ReconcileItem"
    ADD COLUMN "priority" SMALLINT NOT NULL DEFAULT 1,
    ADD COLUMN "requestId" TEXT;

DROP INDEX "ReconcileItem_nextAttemptAt_idx";
CREATE INDEX "ReconcileItem_priority_nextAttemptAt_idx" ON "ReconcileItem"("priority", "nextAttemptAt");

-- 2. Applied state of users: what the bridge has confirmed in GitLab for each SCIM user, and how.
--    One row per SCIM user the reconciler has looked at (tombstones keep theirs: deprovisioning and
--    reactivation need it). A GitLab user is linked to at most one SCIM user (the unique index; NULLs,
--    i.e. not linked yet, are distinct).
CREATE TYPE "GitLabSyncState" AS ENUM ('pending', 'synced', 'failed', 'conflict');
CREATE TYPE "GitLabLinkMethod" AS ENUM ('identity', 'email', 'username', 'created');
CREATE TYPE "GitLabBridgeUserState" AS ENUM ('blocked', 'deactivated', 'banned');

CREATE TABLE "GitLabUserLink" (
    "scimUserId" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "gitlabUserId" INTEGER,
    "gitlabUsername" TEXT,
    "linkedBy" "GitLabLinkMethod",
    "linkedAt" TIMESTAMPTZ(3),
    "syncState" "GitLabSyncState" NOT NULL DEFAULT 'pending',
    "lastError" TEXT,
    "lastSyncedAt" TIMESTAMPTZ(3),
    "appliedName" TEXT,
    "appliedEmail" TEXT,
    "appliedProvider" TEXT,
    "appliedExternUid" TEXT,
    "stateByBridge" "GitLabBridgeUserState",
    "tokensRevokedAt" TIMESTAMPTZ(3),
    "gitlabDeletedAt" TIMESTAMPTZ(3),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GitLabUserLink_pkey" PRIMARY KEY ("scimUserId")
);

CREATE UNIQUE INDEX "GitLabUserLink_gitlabUserId_key" ON "GitLabUserLink"("gitlabUserId");
CREATE INDEX "GitLabUserLink_connectionId_syncState_idx" ON "GitLabUserLink"("connectionId", "syncState");

ALTER TABLE "GitLabUserLink" ADD CONSTRAINT "GitLabUserLink_scimUserId_fkey" FOREIGN KEY ("scimUserId") REFERENCES "ScimUser"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GitLabUserLink" ADD CONSTRAINT "GitLabUserLink_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
