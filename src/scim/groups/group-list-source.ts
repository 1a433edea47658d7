/** Groups as a ListSource: the store's one search statement. */
import type { GroupRecord, GroupStore } from "../../provisioning/group-store";
import type { ListSource } from "../list/list-engine";
import { groupCatalog } from "../schema/attribute-catalog";
import { groupResource } from "./group-resource";

export function groupListSource(groups: GroupStore, connectionId: string, base: string): ListSource<GroupRecord> {
  return {
    catalog: groupCatalog,
    search: (query, withMembers) => groups.search(connectionId, query, { withMembers }),
    toResource: (record) => groupResource(record, base),
  };
}
