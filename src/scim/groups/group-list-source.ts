/** Groups as a ListSource: which filters and sorts run in the database (see filter/group-where.ts). */
import type { Database } from "../../db/database";
import type { Prisma } from "../../generated/prisma/client";
import { countGroups, listGroups, type GroupRecord } from "../../provisioning/group-store";
import { splitGroupFilter } from "../filter/group-where";
import { databaseOrder } from "../list/database-order";
import type { ListSource } from "../list/list-engine";
import { groupCatalog } from "../schema/attribute-catalog";
import { groupResource } from "./group-resource";

const NULLABLE = new Set(["externalId", "displayName"]);

type OrderBy = Prisma.ScimGroupOrderByWithRelationInput;

const SORT_COLUMNS: Record<string, keyof OrderBy & string> = {
  id: "id",
  externalId: "externalId",
  // Case-insensitive order, as displayName is caseExact false.
  displayName: "displayNameKey",
  "meta.created": "createdAt",
  "meta.lastModified": "updatedAt",
};

export function groupListSource(db: Database, connectionId: string, base: string): ListSource<Prisma.ScimGroupWhereInput, OrderBy, GroupRecord> {
  return {
    catalog: groupCatalog,
    split: (filter) => splitGroupFilter(filter),
    orderBy: databaseOrder<OrderBy>(SORT_COLUMNS, NULLABLE),
    fetch: (q) => listGroups(db.prisma, { connectionId, where: q.where, orderBy: q.orderBy, skip: q.skip, take: q.take, withMembers: q.withRelation }),
    count: (where) => countGroups(db.prisma, { connectionId, where }),
    toResource: (record) => groupResource(record, base),
  };
}
