-- Issue 11: SCIM groups become GitLab group memberships.
--
-- Desired state stays where it is (ScimGroup, ScimGroupMember). New:
--   GroupMapping               admin rules (and the bridge's own rules for unmapped groups it created a
--                              subgroup for): which SCIM groups feed which GitLab group, at which level
--   GitLabGroupTarget          a GitLab group some rule points at: a reconcile subject ("gitlab_group")
--   ScimGroupFeed              which targets a SCIM group fed at its last pass (a rename or delete re-marks them)
--   GitLabMembership           applied state: the memberships the bridge created or adopted (only those are ever changed)
--   GitLabMembershipConflict   memberships the bridge would make but GitLab or ownership rules forbid, reported
--   ReconcileHold              the mass-change guard: a pass that stopped before acting, until an admin decides
-- and ReconcileItem gains "full" (the next pass reads GitLab's actual state: drift repair) and "holdId".
CREATE TYPE "GroupMatchBy" AS ENUM ('displayName', 'externalId', 'scimGroupId');
CREATE TYPE "GroupMappingOrigin" AS ENUM ('rule', 'unmapped');
CREATE TYPE "GitLabMembershipOrigin" AS ENUM ('created', 'adopted');
CREATE TYPE "ReconcileHoldState" AS ENUM ('held', 'approved', 'discarded');
-- A user or GitLab group whose pass the mass-change guard stopped shows it.
ALTER TYPE "GitLabSyncState" ADD VALUE 'held';

CREATE TABLE "GitLabGroupTarget" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "fullPath" TEXT NOT NULL,
    "fullPathKey" TEXT NOT NULL,
    "gitlabGroupId" INTEGER,
    "createdByBridge" BOOLEAN NOT NULL DEFAULT false,
    "syncState" "GitLabSyncState" NOT NULL DEFAULT 'pending',
    "lastError" TEXT,
    "lastSyncedAt" TIMESTAMPTZ(3),
    "lastFullPassAt" TIMESTAMPTZ(3),
    "unmanagedMembers" INTEGER,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GitLabGroupTarget_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "GitLabGroupTarget_connectionId_fullPathKey_key" ON "GitLabGroupTarget"("connectionId", "fullPathKey");
CREATE INDEX "GitLabGroupTarget_gitlabGroupId_idx" ON "GitLabGroupTarget"("gitlabGroupId");
ALTER TABLE "GitLabGroupTarget" ADD CONSTRAINT "GitLabGroupTarget_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "GroupMapping" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "matchBy" "GroupMatchBy" NOT NULL,
    "matchValue" TEXT NOT NULL,
    "targetId" UUID NOT NULL,
    "accessLevel" INTEGER NOT NULL,
    "expiresInDays" INTEGER,
    "authoritative" BOOLEAN NOT NULL DEFAULT false,
    "origin" "GroupMappingOrigin" NOT NULL DEFAULT 'rule',
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GroupMapping_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "GroupMapping_connectionId_matchBy_matchValue_targetId_key" ON "GroupMapping"("connectionId", "matchBy", "matchValue", "targetId");
CREATE INDEX "GroupMapping_targetId_idx" ON "GroupMapping"("targetId");
ALTER TABLE "GroupMapping" ADD CONSTRAINT "GroupMapping_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "GroupMapping" ADD CONSTRAINT "GroupMapping_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "GitLabGroupTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "ScimGroupFeed" (
    "scimGroupId" UUID NOT NULL,
    "targetId" UUID NOT NULL,

    CONSTRAINT "ScimGroupFeed_pkey" PRIMARY KEY ("scimGroupId", "targetId")
);
CREATE INDEX "ScimGroupFeed_targetId_idx" ON "ScimGroupFeed"("targetId");
ALTER TABLE "ScimGroupFeed" ADD CONSTRAINT "ScimGroupFeed_scimGroupId_fkey" FOREIGN KEY ("scimGroupId") REFERENCES "ScimGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "ScimGroupFeed" ADD CONSTRAINT "ScimGroupFeed_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "GitLabGroupTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "GitLabMembership" (
    "targetId" UUID NOT NULL,
    "gitlabUserId" INTEGER NOT NULL,
    "scimUserId" UUID,
    "accessLevel" INTEGER NOT NULL,
    "expiresAt" DATE,
    "origin" "GitLabMembershipOrigin" NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GitLabMembership_pkey" PRIMARY KEY ("targetId", "gitlabUserId")
);
CREATE INDEX "GitLabMembership_gitlabUserId_idx" ON "GitLabMembership"("gitlabUserId");
ALTER TABLE "GitLabMembership" ADD CONSTRAINT "GitLabMembership_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "GitLabGroupTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "GitLabMembershipConflict" (
    "targetId" UUID NOT NULL,
    "gitlabUserId" INTEGER NOT NULL,
    "scimUserId" UUID,
    "kind" TEXT NOT NULL,
    "desiredLevel" INTEGER,
    "observedLevel" INTEGER,
    "message" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GitLabMembershipConflict_pkey" PRIMARY KEY ("targetId", "gitlabUserId")
);
ALTER TABLE "GitLabMembershipConflict" ADD CONSTRAINT "GitLabMembershipConflict_targetId_fkey" FOREIGN KEY ("targetId") REFERENCES "GitLabGroupTarget"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "ReconcileHold" (
    "id" UUID NOT NULL,
    "connectionId" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "state" "ReconcileHoldState" NOT NULL DEFAULT 'held',
    "summary" TEXT NOT NULL,
    "counts" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMPTZ(3),
    "decidedBy" TEXT,
    "openKey" TEXT,

    CONSTRAINT "ReconcileHold_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "ReconcileHold_connectionId_state_idx" ON "ReconcileHold"("connectionId", "state");
-- One open (held) hold per connection and kind: a burst of mass changes waits on one decision.
CREATE UNIQUE INDEX "ReconcileHold_openKey_key" ON "ReconcileHold"("openKey");
ALTER TABLE "ReconcileHold" ADD CONSTRAINT "ReconcileHold_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "ReconcileItem"
    ADD COLUMN "full" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "holdId" UUID;
CREATE INDEX "ReconcileItem_holdId_idx" ON "ReconcileItem"("holdId");
ALTER TABLE "ReconcileItem" ADD CONSTRAINT "ReconcileItem_holdId_fkey" FOREIGN KEY ("holdId") REFERENCES "ReconcileHold"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- The active state (active and not deleted) the bridge last acted on for the user's memberships: when the
-- desired one differs, the user's pass marks the GitLab groups the user belongs to.
ALTER TABLE "GitLabUserLink" ADD COLUMN "appliedActive" BOOLEAN;
