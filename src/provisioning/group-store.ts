/**
 * Desired state of SCIM groups and their memberships, as the SCIM layer sees it: the GroupStore
 * interface, built from a Database by `groupStore`. Each write is one statement in its own file under
 * sql/ (group row, membership change, the affected users' versions, audit event and reconcile mark
 * commit together or not at all). Member ids are checked by the writing statement itself (live users
 * of the same connection): a rejected request changes nothing.
 *
 * States of a group row: live → tombstone (deletedAt set, memberships removed; invisible over SCIM).
 */
import type { Database } from "../db/database";
import type { ChangeAction, GroupChange } from "./changes";
import type { GroupFields } from "./group-fields";
import type { GroupRecord } from "./group-record";
import { deleteGroup } from "./sql/delete-group";
import type { SearchResult } from "./query/page-statement";
import type { SearchQuery } from "./query/predicate";
import { searchGroups } from "./query/search-groups";
import { findGroup } from "./sql/find-group";
import { insertGroup } from "./sql/insert-group";
import { updateGroup } from "./sql/update-group";
import type { WriteContext } from "./write-context";

export type { GroupMemberRef, GroupRecord } from "./group-record";

export interface GroupStore {
  find(connectionId: string, id: string, options: { withMembers: boolean }): Promise<GroupRecord | null>;
  /** One page of the connection's live groups matching the query, and how many match in all. */
  search(connectionId: string, query: SearchQuery, options: { withMembers: boolean }): Promise<SearchResult<GroupRecord>>;
  /** Creates the group with these members; throws unknownMembers (nothing written) for ids that are not live users. */
  create(ctx: WriteContext, fields: GroupFields, memberIds: readonly string[]): Promise<GroupRecord>;
  /**
   * Applies a change (see changes.ts). With `expectedVersion`, only while the group still has it.
   * Null when there is no such group; throws versionMismatch when the version moved, unknownMembers.
   */
  apply(ctx: WriteContext, id: string, change: GroupChange, options: { expectedVersion?: number; action: ChangeAction; withMembers: boolean }): Promise<GroupRecord | null>;
  /** Tombstones the group and ends its memberships. False when there is no such group. */
  delete(ctx: WriteContext, id: string, options: { expectedVersion?: number }): Promise<boolean>;
}

export function groupStore(db: Database): GroupStore {
  return {
    find: (connectionId, id, options) => findGroup(db, connectionId, id, options),
    search: (connectionId, query, options) => searchGroups(db.direct, connectionId, query, options),
    create: (ctx, fields, memberIds) => insertGroup(db, ctx, fields, memberIds),
    apply: (ctx, id, change, options) => updateGroup(db, ctx, id, change, options),
    delete: (ctx, id, options) => deleteGroup(db, ctx, id, options),
  };
}
