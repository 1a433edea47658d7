/** Users as a ListSource: the store's one search statement. */
import type { UserRecord, UserStore } from "../../provisioning/user-store";
import type { ListSource } from "../list/list-engine";
import { userCatalog } from "../schema/attribute-catalog";
import { userResource } from "./user-resource";

export function userListSource(users: UserStore, connectionId: string, base: string): ListSource<UserRecord> {
  return {
    catalog: userCatalog,
    search: (query, withGroups) => users.search(connectionId, query, { withGroups }),
    toResource: (record) => userResource(record, base),
  };
}
