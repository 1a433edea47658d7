/** Groups as a ListSource: which filters and sorts run in the database (see filter/group-where.ts). */
import type { Database } from "../../db/database";
import type { Prisma } from "../../generated/prisma/client";
import { countGroups, listGroups, type GroupRecord } from "../../provisioning/group-store";
import { splitGroupFilter } from "../filter/group-where";
import type { ListSource } from "../list/list-engine";
import { groupCatalog, type ResolvedAttribute } from "../schema/attribute-catalog";
import { groupResource } from "./group-resource";

const NULLABLE = new Set(["externalId", "displayName"]);

type OrderBy = Prisma.ScimGroupOrderByWithRelationInput;

const SORT_COLUMNS: Record<string, keyof OrderBy> = {
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
    orderBy(sortBy: ResolvedAttribute | undefined, descending: boolean) {
      const direction = descending ? "desc" : "asc";
      if (!sortBy) return [{ createdAt: "asc" }, { id: "asc" }];
      const column = SORT_COLUMNS[sortBy.canonical];
      if (!column) return undefined;
      // Prisma accepts `nulls` only on optional columns.
      const order = NULLABLE.has(sortBy.canonical) ? { sort: direction, nulls: "last" } : direction;
      return [{ [column]: order } as OrderBy, { id: direction }];
    },
    fetch: (q) => listGroups(db.prisma, { connectionId, where: q.where, orderBy: q.orderBy, skip: q.skip, take: q.take, withMembers: q.withRelation }),
    count: (where) => countGroups(db.prisma, { connectionId, where }),
    toResource: (record) => groupResource(record, base),
  };
}
