/**
 * Which Group attributes the database answers: id, externalId, displayName, meta dates, and
 * members.value through ScimGroupMember (primary key (groupId, userId), index on userId).
 */
import type { Prisma } from "../../generated/prisma/client";
import type { Filter } from "./filter";
import { dateLeaf, never, presentLeaf, splitFilter, stringLeaf, translateFilter, TRUE, uuidLeaf, type LeafTranslator } from "./filter-where";

const memberLeaves: LeafTranslator = {
  none: never("userId"),
  compare(target, op, value) {
    if (target.def.name === "value") return uuidLeaf("userId", op, value);
    // Every member is a User (nested groups are not accepted).
    if (target.def.name === "type" && value.type === "string" && (op === "eq" || op === "ne")) {
      return (value.text.toLowerCase() === "user") === (op === "eq") ? TRUE : never("userId");
    }
    return undefined;
  },
  present: (target) => (target.def.name === "value" || target.def.name === "type" ? TRUE : undefined),
  any: () => undefined,
};

export const groupLeaves: LeafTranslator = {
  none: never("id"),
  compare(target, op, value) {
    switch (target.attribute.canonical) {
      case "id":
        return uuidLeaf("id", op, value);
      case "externalId":
        return stringLeaf("externalId", op, value, { nullable: true });
      case "displayName":
        return stringLeaf("displayNameKey", op, value, { folded: true, nullable: true });
      case "meta.created":
        return dateLeaf("createdAt", op, value);
      case "meta.lastModified":
        return dateLeaf("updatedAt", op, value);
      default:
        return undefined;
    }
  },
  present(target) {
    switch (target.attribute.canonical) {
      case "id":
      case "displayName":
      case "meta.created":
      case "meta.lastModified":
        return TRUE;
      case "externalId":
        return presentLeaf("externalId");
      case "members":
        return { members: { some: {} } };
      default:
        return undefined;
    }
  },
  any(filter) {
    if (filter.attribute.top.name !== "members") return undefined;
    const inner = translateFilter(filter.filter, memberLeaves);
    return inner && { members: { some: inner } };
  },
};

export function splitGroupFilter(filter: Filter | undefined): { where: Prisma.ScimGroupWhereInput[]; residual: Filter | undefined } {
  const { where, residual } = splitFilter(filter, groupLeaves);
  return { where: where as Prisma.ScimGroupWhereInput[], residual };
}
