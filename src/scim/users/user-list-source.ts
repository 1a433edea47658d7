/** Users as a ListSource: which filters and sorts run in the database (see filter/user-where.ts). */
import type { Database } from "../../db/database";
import type { Prisma } from "../../generated/prisma/client";
import { countUsers, findUsersByKey, listUsers, type UserKeyColumn, type UserRecord } from "../../provisioning/user-store";
import type { Filter } from "../filter/filter";
import { isUuid } from "../../provisioning/uuid";
import { splitUserFilter } from "../filter/user-where";
import { databaseOrder } from "../list/database-order";
import type { ListSource } from "../list/list-engine";
import { userCatalog } from "../schema/attribute-catalog";
import { userResource } from "./user-resource";

const NULLABLE = new Set(["externalId", "displayName", "name.givenName", "name.familyName"]);

type OrderBy = Prisma.ScimUserOrderByWithRelationInput;

const SORT_COLUMNS: Record<string, keyof OrderBy & string> = {
  id: "id",
  userName: "userNameKey",
  externalId: "externalId",
  // Case-insensitive order, as displayName is caseExact false.
  displayName: "displayNameKey",
  "name.givenName": "givenName",
  "name.familyName": "familyName",
  active: "active",
  "meta.created": "createdAt",
  "meta.lastModified": "updatedAt",
};

/**
 * A filter that is one `eq` on an attribute with its own index (userName folded to its key, externalId
 * exact, id as a UUID) becomes that column and value; anything else goes through the general path.
 */
function pointLookup(filter: Filter): { column: UserKeyColumn; value: string } | undefined {
  if (filter.kind !== "compare" || filter.op !== "eq" || filter.value.type !== "string") return undefined;
  const text = filter.value.text;
  switch (filter.target.attribute.canonical) {
    case "userName":
      return { column: "userNameKey", value: text.toLowerCase() };
    case "externalId":
      return { column: "externalId", value: text };
    case "id":
      return isUuid(text) ? { column: "id", value: text.toLowerCase() } : undefined;
    default:
      return undefined;
  }
}

export function userListSource(db: Database, connectionId: string, base: string): ListSource<Prisma.ScimUserWhereInput, OrderBy, UserRecord> {
  return {
    catalog: userCatalog,
    split: (filter) => splitUserFilter(filter, connectionId),
    orderBy: databaseOrder<OrderBy>(SORT_COLUMNS, NULLABLE),
    fetch: (q) => listUsers(db.prisma, { connectionId, where: q.where, orderBy: q.orderBy, skip: q.skip, take: q.take, withGroups: q.withRelation }),
    count: (where) => countUsers(db.prisma, { connectionId, where }),
    lookup(filter) {
      const key = pointLookup(filter);
      return key && ((q) => findUsersByKey(db, connectionId, key, { take: q.take, withGroups: q.withRelation }));
    },
    toResource: (record) => userResource(record, base),
  };
}
