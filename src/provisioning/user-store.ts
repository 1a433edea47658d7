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
import type { Prisma, PrismaClient, ScimUser } from "../generated/prisma/client";
import type { ChangeAction, UserChange } from "./changes";
import { GROUPS_OF_U, groupsOfUsers } from "./membership-reads";
import { deleteUser } from "./sql/delete-user";
import { findUser } from "./sql/find-user";
import { insertUser } from "./sql/insert-user";
import { updateUser } from "./sql/update-user";
import type { UserFields } from "./user-fields";
import { toUserRecord as toRecord, type UserRecord, type UserRowWithGroups } from "./user-record";
import type { WriteContext } from "./write-context";

export type { UserGroupRef, UserRecord } from "./user-record";

export interface UserStore {
  find(connectionId: string, id: string, options: { withGroups: boolean }): Promise<UserRecord | null>;
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
    create: (ctx, fields) => insertUser(db, ctx, fields),
    apply: (ctx, id, change, options) => updateUser(db, ctx, id, change, options),
    delete: (ctx, id, options) => deleteUser(db, ctx, id, options),
  };
}

/*
 * Listing (below) is being replaced by SQL search functions in query/; kept as it was meanwhile.
 */

type Db = PrismaClient;
type Tx = Prisma.TransactionClient;

/** Rows as records, with their groups when asked (one join for all rows). */
async function withGroups(db: Db | Tx, rows: ScimUser[], load: boolean): Promise<UserRecord[]> {
  if (!load) return rows.map((row) => ({ row }));
  const groups = await groupsOfUsers(db, rows.map((r) => r.id));
  return rows.map((row) => ({ row, groups: (groups.get(row.id) ?? []).map(({ id, displayName }) => ({ id, displayName })) }));
}

/** Columns a point lookup may use: each has an index led by connectionId. */
export type UserKeyColumn = "id" | "userNameKey" | "externalId";

/**
 * The IdP's lookup (`userName eq "…"`, `externalId eq "…"`, `id eq "…"`) as one indexed statement,
 * ordered by id like every database-ordered list. userNameKey and id are unique per connection, so
 * they find one row at most and need no sort (it cost ~20 µs of a ~100 µs lookup).
 */
export async function findUsersByKey(db: Database, connectionId: string, key: { column: UserKeyColumn; value: string }, options: { take: number; withGroups: boolean }): Promise<UserRecord[]> {
  const rows = await db.direct.query<UserRowWithGroups>(
    `SELECT u.*${options.withGroups ? `, ${GROUPS_OF_U}` : ""} FROM "ScimUser" u
     WHERE u."connectionId" = $1::uuid AND u."${key.column}" = $2${key.column === "id" ? "::uuid" : ""} AND u."deletedAt" IS NULL
     ${key.column === "externalId" ? `ORDER BY u."id" ` : ""}LIMIT $3`,
    [connectionId, key.value, options.take],
  );
  return rows.map(toRecord);
}

export interface UserQuery {
  connectionId: string;
  where: Prisma.ScimUserWhereInput[];
  orderBy: Prisma.ScimUserOrderByWithRelationInput[];
  skip?: number;
  take?: number;
  withGroups: boolean;
}

function liveWhere(query: Pick<UserQuery, "connectionId" | "where">): Prisma.ScimUserWhereInput {
  return { connectionId: query.connectionId, deletedAt: null, AND: query.where };
}

export async function listUsers(db: Db, query: UserQuery): Promise<UserRecord[]> {
  const rows = await db.scimUser.findMany({
    where: liveWhere(query),
    orderBy: query.orderBy,
    skip: query.skip,
    take: query.take,
  });
  return withGroups(db, rows, query.withGroups);
}

export async function countUsers(db: Db, query: Pick<UserQuery, "connectionId" | "where">): Promise<number> {
  return db.scimUser.count({ where: liveWhere(query) });
}
