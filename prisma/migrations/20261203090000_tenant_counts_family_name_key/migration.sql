-- Two large-tenant list costs (issue 9): the total of an unfiltered list was a COUNT of the
-- connection's live users (a scan of every row: ~75 ms for 200,000 users on PGlite), and
-- sortBy=name.familyName sorted every user by lower(familyName) (~130 ms).

-- The live users and groups of each connection, kept by the statements that create and delete
-- (tombstone) them, so an unfiltered list reads its total from one row. A connection without a row
-- has none of either.
CREATE TABLE "ScimTenantCount" (
    "connectionId" UUID NOT NULL,
    "users" INTEGER NOT NULL DEFAULT 0,
    "groups" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ScimTenantCount_pkey" PRIMARY KEY ("connectionId")
);

ALTER TABLE "ScimTenantCount" ADD CONSTRAINT "ScimTenantCount_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "ScimTenantCount" ("connectionId", "users", "groups")
SELECT c."id",
       (SELECT count(*) FROM "ScimUser" u WHERE u."connectionId" = c."id" AND u."deletedAt" IS NULL),
       (SELECT count(*) FROM "ScimGroup" g WHERE g."connectionId" = c."id" AND g."deletedAt" IS NULL)
FROM "Connection" c;

-- lower(familyName), NULL when absent or empty: the sort and filter key of name.familyName
-- (caseExact false), as displayNameKey is for displayName. The index serves the ascending sort's
-- first pages (NULLS LAST is the index's own order) and eq/sw filters.
ALTER TABLE "ScimUser" ADD COLUMN "familyNameKey" TEXT;

UPDATE "ScimUser" SET "familyNameKey" = NULLIF(lower("familyName"), '') WHERE "familyName" IS NOT NULL;

CREATE INDEX "ScimUser_connectionId_familyNameKey_id_idx" ON "ScimUser"("connectionId", "familyNameKey", "id");
