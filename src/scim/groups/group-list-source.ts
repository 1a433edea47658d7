/** Groups as a ListSource: the store's one search statement (src/provisioning/query/search-groups.ts). */
import type { Database } from "../../db/database";
import type { GroupRecord } from "../../provisioning/group-store";
import { searchGroups } from "../../provisioning/query/search-groups";
import type { ListSource } from "../list/list-engine";
import { groupCatalog } from "../schema/attribute-catalog";
import { groupResource } from "./group-resource";

export function groupListSource(db: Database, connectionId: string, base: string): ListSource<GroupRecord> {
  return {
    catalog: groupCatalog,
    search: (query, withMembers) => searchGroups(db.direct, connectionId, query, { withMembers }),
    toResource: (record) => groupResource(record, base),
  };
}
