-- AlterTable
ALTER TABLE "ScimGroup" ADD COLUMN     "displayNameKey" TEXT;

-- AlterTable
ALTER TABLE "ScimUser" ADD COLUMN     "displayNameKey" TEXT;

-- Backfill (hand-added): the key is lower(displayName) for rows written before this column existed.
UPDATE "ScimGroup" SET "displayNameKey" = lower("displayName");
UPDATE "ScimUser" SET "displayNameKey" = lower("displayName") WHERE "displayName" IS NOT NULL;

-- CreateIndex
CREATE INDEX "ScimGroup_connectionId_displayNameKey_idx" ON "ScimGroup"("connectionId", "displayNameKey");

-- CreateIndex
CREATE INDEX "ScimUser_connectionId_displayNameKey_idx" ON "ScimUser"("connectionId", "displayNameKey");
