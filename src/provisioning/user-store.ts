/**
 * Desired state of SCIM users, as the SCIM layer sees it: the UserStore interface, built from a
 * Database by `userStore`. Each write is one statement in its own file under sql/ (the row, its email
 * rows, the audit event and the reconcile marks commit together or not at all); reads are one
 * statement each. No network I/O happens inside a write (PGlite is a single connection).
 *
 * States of a user row: live (deletedAt NULL, userNameKey = lower(userName)) → tombstone (deletedAt
 * set, userNameKey NULL so the name can be reused; kept for deprovisioning, invisible over SCIM).
 */
import type { Database } from "../db/database";
import type { ChangeAction, UserChange } from "./changes";
import type { SearchResult } from "./query/page-statement";
import type { SearchQuery } from "./query/predicate";
import { searchUsers } from "./query/search-users";
import { deleteUser } from "./sql/delete-user";
import { findUser } from "./sql/find-user";
import { insertUser } from "./sql/insert-user";
import { updateUser } from "./sql/update-user";
import type { UserFields } from "./user-fields";
import type { UserRecord } from "./user-record";
import type { WriteContext } from "./write-context";

export type { UserGroupRef, UserRecord } from "./user-record";

export interface UserStore {
  find(connectionId: string, id: string, options: { withGroups: boolean }): Promise<UserRecord | null>;
  /** One page of the connection's live users matching the query, and how many match in all. */
  search(connectionId: string, query: SearchQuery, options: { withGroups: boolean }): Promise<SearchResult<UserRecord>>;
  create(ctx: WriteContext, fields: UserFields): Promise<UserRecord>;
  /**
   * Applies a change (see changes.ts). With `expectedVersion`, only while the user still has it.
   * Null when there is no such user; throws versionMismatch when the version moved, userNameTaken.
   */
  apply(ctx: WriteContext, id: string, change: UserChange, options: { expectedVersion?: number; action: ChangeAction }): Promise<UserRecord | null>;
  /** Tombstones the user and ends its memberships. False when there is no such user. */
  delete(ctx: WriteContext, id: string, options: { expectedVersion?: number }): Promise<boolean>;
}

export function userStore(db: Database): UserStore {
  return {
    find: (connectionId, id, options) => findUser(db, connectionId, id, options),
    search: (connectionId, query, options) => searchUsers(db.direct, connectionId, query, options),
    create: (ctx, fields) => insertUser(db, ctx, fields),
    apply: (ctx, id, change, options) => updateUser(db, ctx, id, change, options),
    delete: (ctx, id, options) => deleteUser(db, ctx, id, options),
  };
}
