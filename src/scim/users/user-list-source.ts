/** Users as a ListSource: the store's one search statement (src/provisioning/query/search-users.ts). */
import type { Database } from "../../db/database";
import { searchUsers } from "../../provisioning/query/search-users";
import type { UserRecord } from "../../provisioning/user-store";
import type { ListSource } from "../list/list-engine";
import { userCatalog } from "../schema/attribute-catalog";
import { userResource } from "./user-resource";

export function userListSource(db: Database, connectionId: string, base: string): ListSource<UserRecord> {
  return {
    catalog: userCatalog,
    search: (query, withGroups) => searchUsers(db.direct, connectionId, query, { withGroups }),
    toResource: (record) => userResource(record, base),
  };
}
