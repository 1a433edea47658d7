/**
 * Where a SCIM Group's attributes are stored (see storage.ts): id, externalId, displayName (its
 * lower-cased key, indexed with connectionId) and meta in columns, members only as ScimGroupMember
 * rows, everything else in the resource JSON.
 */
import { column, commonColumns, type Column, type Relation, type Storage } from "./storage";

const COLUMNS: Record<string, Column | "absent"> = {
  ...commonColumns("g", "Group"),
  displayName: column(`g."displayNameKey"`, "key", true),
};

const members: Relation = {
  // Live users only, as membership-reads.ts serves `members` (a tombstone's stray row is no member).
  from: `"ScimGroupMember" gm JOIN "ScimUser" mu ON mu."id" = gm."userId" AND mu."deletedAt" IS NULL WHERE gm."groupId" = g."id"`,
  // The order of the served `members` (membership-reads.ts: as they were added).
  order: `gm."createdAt", mu."id"`,
  element(name) {
    switch (name) {
      case "value":
        return column(`mu."id"`, "uuid", false);
      case "display":
        return column(`COALESCE(mu."displayName", mu."userName")`, "text", false);
      case "type":
        // Every member is a User (nested groups are not accepted).
        return column(`'User'::text`, "text", false);
      default:
        return undefined;
    }
  },
  inResource: false,
  answers: () => true,
};

export const groupStorage: Storage = {
  alias: "g",
  joins: "",
  resource: `g."resource"`,
  column: (path) => COLUMNS[path],
  relation: (path) => (path === "members" ? members : undefined),
};
