-- displayName filters and sorts use the folded "displayNameKey" indexes (20261125120000); the indexes
-- on the raw "displayName" serve no query and cost every user and group write their upkeep.
DROP INDEX IF EXISTS "ScimUser_connectionId_displayName_idx";
DROP INDEX IF EXISTS "ScimGroup_connectionId_displayName_idx";
