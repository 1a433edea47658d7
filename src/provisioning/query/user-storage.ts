/**
 * Where a SCIM User's attributes are stored (see storage.ts). Columns: the indexed keys
 * (userNameKey, externalId, displayNameKey, familyNameKey, createdAt, all led by connectionId), the names, `active`
 * (the column is the truth; the JSON copy may lag), id and meta. `emails` are indexed by
 * ScimUserEmail (connectionId, valueKey) but also kept whole in the resource; `groups` exist only as
 * ScimGroupMember rows; the GitLab extension's attributes are the applied state (GitLabUserLink and
 * the queue, see gitlab-state-reads.ts), never in the resource. Everything else is read from the
 * resource JSON.
 */
import { GITLAB_STATE_COLUMNS_OF_U, GITLAB_STATE_JOINS_OF_U } from "../gitlab-state-reads";
import { GITLAB_USER_SCHEMA } from "../gitlab-user-state";
import type { Predicate } from "./predicate";
import { column, commonColumns, type Column, type Relation, type Storage } from "./storage";

/** Paths are the served JSON keys joined by dots: the extension URN, then the attribute. */
const gitlab = (name: keyof typeof GITLAB_STATE_COLUMNS_OF_U) => `${GITLAB_USER_SCHEMA}.${name}`;

const COLUMNS: Record<string, Column | "absent"> = {
  ...commonColumns("u", "User"),
  // Live users always have their key; it is lower(userName), userName being caseExact false.
  userName: column(`u."userNameKey"`, "key", false),
  displayName: column(`u."displayNameKey"`, "key", true),
  "name.givenName": column(`u."givenName"`, "text", true),
  // lower(familyName), NULL when absent or empty; indexed with the id so an ascending sort reads the index.
  "name.familyName": column(`u."familyNameKey"`, "key", true),
  active: column(`u."active"`, "boolean", false),
  // Columns of the joins below: filters on them are an admin's question, not an IdP's hot path.
  [gitlab("syncState")]: column(GITLAB_STATE_COLUMNS_OF_U.syncState, "text", false),
  [gitlab("gitlabUserId")]: column(GITLAB_STATE_COLUMNS_OF_U.gitlabUserId, "integer", true),
  [gitlab("gitlabUsername")]: column(GITLAB_STATE_COLUMNS_OF_U.gitlabUsername, "text", true),
  [gitlab("lastError")]: column(GITLAB_STATE_COLUMNS_OF_U.lastError, "text", true),
  [gitlab("lastSyncedAt")]: column(GITLAB_STATE_COLUMNS_OF_U.lastSyncedAt, "timestamp", true),
};

/**
 * The email rows answer exactly what they hold: value (folded, as emails are caseExact false), type,
 * and `primary eq true` (absent and false are one row value, which `primary eq false` must tell apart).
 */
function emailRowsAnswer(where: Predicate): boolean {
  switch (where.kind) {
    case "constant":
      return true;
    case "and":
    case "or":
      return where.operands.every(emailRowsAnswer);
    case "not":
      return emailRowsAnswer(where.operand);
    case "compare": {
      const name = where.attribute.path.join(".");
      if (name === "primary") return where.op === "eq" && where.value.type === "boolean" && where.value.value;
      return name === "value" || name === "type";
    }
    case "present":
      return where.attribute.path.join(".") === "value" || where.attribute.path.join(".") === "type";
    case "any":
      return false;
  }
}

const emails: Relation = {
  // connectionId lets PostgreSQL drive a lookup from the (connectionId, valueKey) index.
  from: `"ScimUserEmail" e WHERE e."userId" = u."id" AND e."connectionId" = u."connectionId"`,
  order: `e."primary" DESC, e."id"`,
  element: (name) => (name === "value" ? column(`e."valueKey"`, "key", false) : name === "type" ? column(`e."type"`, "text", true) : name === "primary" ? column(`e."primary"`, "boolean", false) : undefined),
  inResource: true,
  answers: emailRowsAnswer,
};

const groups: Relation = {
  from: `"ScimGroupMember" gm JOIN "ScimGroup" ug ON ug."id" = gm."groupId" WHERE gm."userId" = u."id" AND ug."deletedAt" IS NULL`,
  // The order of the served `groups` (membership-reads.ts: by group id).
  order: `ug."id"`,
  element(name) {
    switch (name) {
      case "value":
        return column(`ug."id"`, "uuid", false);
      case "display":
        return column(`ug."displayName"`, "text", false);
      case "type":
        return column(`'direct'::text`, "text", false);
      default:
        return undefined; // $ref is built from the request's base URL
    }
  },
  inResource: false,
  answers: () => true,
};

export const userStorage: Storage = {
  alias: "u",
  joins: GITLAB_STATE_JOINS_OF_U,
  resource: `u."resource"`,
  column: (path) => COLUMNS[path],
  relation: (path) => (path === "emails" ? emails : path === "groups" ? groups : undefined),
};
