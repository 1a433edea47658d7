/** Users as a ListSource: which filters and sorts run in the database (see filter/user-where.ts). */
import type { Database } from "../../db/database";
import type { Prisma } from "../../generated/prisma/client";
import { countUsers, listUsers, type UserRecord } from "../../provisioning/user-store";
import { splitUserFilter } from "../filter/user-where";
import type { ListSource } from "../list/list-engine";
import { userCatalog, type ResolvedAttribute } from "../schema/attribute-catalog";
import { userResource } from "./user-resource";

const NULLABLE = new Set(["externalId", "displayName", "name.givenName", "name.familyName"]);

type OrderBy = Prisma.ScimUserOrderByWithRelationInput;

const SORT_COLUMNS: Record<string, keyof OrderBy> = {
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
    orderBy(sortBy: ResolvedAttribute | undefined, descending: boolean) {
      const direction = descending ? "desc" : "asc";
      // Default order: creation, so paging through an import (Okta O-04) is stable.
      if (!sortBy) return [{ createdAt: "asc" }, { id: "asc" }];
      const column = SORT_COLUMNS[sortBy.canonical];
      if (!column) return undefined;
      // Prisma accepts `nulls` only on optional columns.
      const order = NULLABLE.has(sortBy.canonical) ? { sort: direction, nulls: "last" } : direction;
      return [{ [column]: order } as OrderBy, { id: direction }];
    },
    fetch: (q) => listUsers(db.prisma, { connectionId, where: q.where, orderBy: q.orderBy, skip: q.skip, take: q.take, withGroups: q.withRelation }),
    count: (where) => countUsers(db.prisma, { connectionId, where }),
    toResource: (record) => userResource(record, base),
  };
}
