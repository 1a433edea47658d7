/** Users as a ListSource: which filters and sorts run in the database (see filter/user-where.ts). */
import type { Database } from "../../db/database";
import type { Prisma } from "../../generated/prisma/client";
import { countUsers, listUsers, type UserRecord } from "../../provisioning/user-store";
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

export function userListSource(db: Database, connectionId: string, base: string): ListSource<Prisma.ScimUserWhereInput, OrderBy, UserRecord> {
  return {
    catalog: userCatalog,
    split: (filter) => splitUserFilter(filter, connectionId),
    orderBy: databaseOrder<OrderBy>(SORT_COLUMNS, NULLABLE),
    fetch: (q) => listUsers(db.prisma, { connectionId, where: q.where, orderBy: q.orderBy, skip: q.skip, take: q.take, withGroups: q.withRelation }),
    count: (where) => countUsers(db.prisma, { connectionId, where }),
    toResource: (record) => userResource(record, base),
  };
}
