/**
 * Which User attributes the database answers, and with which columns (indexes on ScimUser:
 * (connectionId, userNameKey) unique, (connectionId, externalId), (connectionId, displayNameKey),
 * (connectionId, createdAt); ScimUserEmail (connectionId, valueKey); ScimGroupMember (userId)).
 */
import type { Prisma } from "../../generated/prisma/client";
import { ENTERPRISE_USER_SCHEMA } from "../schema/scimmy-schemas";
import type { Filter, FilterLeafTarget } from "./filter";
import { booleanLeaf, dateLeaf, never, presentLeaf, splitFilter, stringLeaf, translateFilter, TRUE, uuidLeaf, type LeafTranslator, type Where } from "./filter-where";

function userColumnLeaf(target: FilterLeafTarget): ((op: Parameters<LeafTranslator["compare"]>[1], value: Parameters<LeafTranslator["compare"]>[2]) => Where | undefined) | undefined {
  switch (target.attribute.canonical) {
    case "id":
      return (op, value) => uuidLeaf("id", op, value);
    case "userName":
      return (op, value) => stringLeaf("userNameKey", op, value, { folded: true });
    case "externalId":
      return (op, value) => stringLeaf("externalId", op, value, { nullable: true });
    case "displayName":
      return (op, value) => stringLeaf("displayNameKey", op, value, { folded: true, nullable: true });
    case "name.givenName":
      return (op, value) => stringLeaf("givenName", op, value, { insensitive: true, nullable: true });
    case "name.familyName":
      return (op, value) => stringLeaf("familyName", op, value, { insensitive: true, nullable: true });
    case "active":
      return (op, value) => booleanLeaf("active", op, value);
    case "meta.created":
      return (op, value) => dateLeaf("createdAt", op, value);
    case "meta.lastModified":
      return (op, value) => dateLeaf("updatedAt", op, value);
    default:
      return undefined;
  }
}

const PRESENT_COLUMNS: Record<string, string | undefined> = {
  id: undefined,
  userName: undefined,
  active: undefined,
  "meta.created": undefined,
  "meta.lastModified": undefined,
  externalId: "externalId",
  displayName: "displayNameKey",
  "name.givenName": "givenName",
  "name.familyName": "familyName",
};

/** Inside `emails[...]`: the ScimUserEmail columns. */
const emailLeaves: LeafTranslator = {
  none: never("valueKey"),
  compare(target, op, value) {
    if (target.def.name === "value") return stringLeaf("valueKey", op, value, { folded: true });
    if (target.def.name === "type") return stringLeaf("type", op, value, { insensitive: true, nullable: true });
    if (target.def.name === "primary") return booleanLeaf("primary", op, value);
    return undefined;
  },
  present(target) {
    if (target.def.name === "value") return TRUE;
    if (target.def.name === "type") return presentLeaf("type");
    return undefined;
  },
  any: () => undefined,
};

/** Inside `groups[...]`: memberships, by group id. */
const membershipLeaves: LeafTranslator = {
  none: never("groupId"),
  compare: (target, op, value) => (target.def.name === "value" ? uuidLeaf("groupId", op, value) : undefined),
  present: (target) => (target.def.name === "value" ? TRUE : undefined),
  any: () => undefined,
};

export function userLeaves(connectionId: string): LeafTranslator {
  return {
    none: never("id"),
    compare(target, op, value) {
      if (target.attribute.jsonPath[0] === ENTERPRISE_USER_SCHEMA) return undefined;
      return userColumnLeaf(target)?.(op, value);
    },
    present(target) {
      const canonical = target.attribute.canonical;
      if (canonical === "emails") return { emails: { some: {} } };
      if (canonical === "groups") return { memberships: { some: {} } };
      if (!(canonical in PRESENT_COLUMNS)) return undefined;
      return presentLeaf(PRESENT_COLUMNS[canonical]);
    },
    any(filter) {
      const name = filter.attribute.top.name;
      if (filter.attribute.jsonPath.length !== 1) return undefined;
      if (name === "emails") {
        const inner = translateFilter(filter.filter, emailLeaves);
        // connectionId in the sub-query lets PostgreSQL use the (connectionId, valueKey) index.
        return inner && { emails: { some: { AND: [{ connectionId }, inner] } } };
      }
      if (name === "groups") {
        const inner = translateFilter(filter.filter, membershipLeaves);
        return inner && { memberships: { some: inner } };
      }
      return undefined;
    },
  };
}

export function splitUserFilter(filter: Filter | undefined, connectionId: string): { where: Prisma.ScimUserWhereInput[]; residual: Filter | undefined } {
  const { where, residual } = splitFilter(filter, userLeaves(connectionId));
  return { where: where as Prisma.ScimUserWhereInput[], residual };
}
