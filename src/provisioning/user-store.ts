/**
 * Desired state of SCIM users. Reads are plain queries; every write is one short transaction that
 * holds the desired state, its audit event and the reconcile marks (the user, and every group whose
 * membership changed), so the three are committed together or not at all. No network I/O happens
 * inside a transaction (PGlite is a single connection: an open transaction blocks every query).
 *
 * States of a user row: live (deletedAt NULL, userNameKey = lower(userName)) → tombstone (deletedAt
 * set, userNameKey NULL so the name can be reused; kept for deprovisioning, invisible over SCIM).
 */
import { recordAudit } from "../audit/audit";
import type { Prisma, PrismaClient, ScimUser } from "../generated/prisma/client";
import { markDirty } from "../reconcile/mark-dirty";
import { groupsOfUsers } from "./membership-reads";
import { ProvisioningError } from "./provisioning-error";
import { isUniqueViolation } from "./unique-violation";
import type { UserFields } from "./user-fields";
import type { WriteContext } from "./write-context";

export interface UserGroupRef {
  id: string;
  displayName: string;
}

export interface UserRecord {
  row: ScimUser;
  /** Live groups the user is a member of; undefined when not loaded. */
  groups?: UserGroupRef[];
}

type Db = PrismaClient;
type Tx = Prisma.TransactionClient;

/** Rows as records, with their groups when asked (one join for all rows). */
async function withGroups(db: Db | Tx, rows: ScimUser[], load: boolean): Promise<UserRecord[]> {
  if (!load) return rows.map((row) => ({ row }));
  const groups = await groupsOfUsers(db, rows.map((r) => r.id));
  return rows.map((row) => ({ row, groups: (groups.get(row.id) ?? []).map(({ id, displayName }) => ({ id, displayName })) }));
}

export async function findUser(db: Db, connectionId: string, id: string, options: { withGroups: boolean }): Promise<UserRecord | null> {
  const row = await db.scimUser.findFirst({ where: { id, connectionId, deletedAt: null } });
  return row ? (await withGroups(db, [row], options.withGroups))[0] : null;
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

function userNameTaken(fields: UserFields): ProvisioningError {
  return new ProvisioningError("userNameTaken", `userName "${fields.userName}" is already in use by another user of this connection`);
}

function emailRows(connectionId: string, fields: UserFields) {
  return fields.emails.map((e) => ({ ...e, connectionId }));
}

/** The ScimUser columns that come from the SCIM resource (create and replace write the same ones). */
function userColumns(fields: UserFields) {
  const { userName, userNameKey, externalId, displayName, displayNameKey, givenName, familyName, active, resource } = fields;
  return { userName, userNameKey, externalId, displayName, displayNameKey, givenName, familyName, active, resource };
}

export async function createUser(db: Db, ctx: WriteContext, fields: UserFields): Promise<UserRecord> {
  try {
    const row = await db.$transaction(async (tx) => {
      // The unique index (connectionId, userNameKey) decides races: no check-then-insert.
      const created = await tx.scimUser.create({
        data: {
          connectionId: ctx.connectionId,
          ...userColumns(fields),
          createdAt: ctx.now,
          updatedAt: ctx.now,
          emails: { create: emailRows(ctx.connectionId, fields) },
        },
      });
      await recordAudit(tx, {
        connectionId: ctx.connectionId,
        actor: ctx.actor,
        action: "scim.user.created",
        subjectType: "user",
        subjectId: created.id,
        requestId: ctx.requestId,
        details: { userName: fields.userName, externalId: fields.externalId, active: fields.active },
      });
      await markDirty(tx, { connectionId: ctx.connectionId, subjectType: "user", subjectId: created.id }, ctx.now);
      return created;
    });
    return { row, groups: [] };
  } catch (error) {
    if (isUniqueViolation(error)) throw userNameTaken(fields);
    throw error;
  }
}

/**
 * Full replacement of a user's desired state. `expectedVersion` (from If-Match, or from the read of
 * a read-modify-write PATCH) makes the write conditional. Returns null when the user does not exist.
 */
export async function replaceUser(
  db: Db,
  ctx: WriteContext,
  id: string,
  fields: UserFields,
  options: { expectedVersion?: number; action?: string; emailsUnchanged?: boolean },
): Promise<UserRecord | null> {
  try {
    return await db.$transaction(async (tx) => {
      const updated = await tx.scimUser.updateMany({
        where: { id, connectionId: ctx.connectionId, deletedAt: null, ...(options.expectedVersion !== undefined ? { version: options.expectedVersion } : {}) },
        data: {
          ...userColumns(fields),
          version: { increment: 1 },
          updatedAt: ctx.now,
        },
      });
      if (updated.count === 0) {
        const current = await tx.scimUser.findFirst({ where: { id, connectionId: ctx.connectionId, deletedAt: null }, select: { version: true } });
        if (!current) return null;
        throw new ProvisioningError("versionMismatch", "The user was changed by another request", { currentVersion: current.version });
      }
      // A PATCH that left emails alone (deactivation, the common case) skips rewriting them.
      if (!options.emailsUnchanged) await tx.scimUserEmail.deleteMany({ where: { userId: id } });
      if (!options.emailsUnchanged && fields.emails.length > 0) await tx.scimUserEmail.createMany({ data: emailRows(ctx.connectionId, fields).map((e) => ({ ...e, userId: id })) });
      await recordAudit(tx, {
        connectionId: ctx.connectionId,
        actor: ctx.actor,
        action: options.action ?? "scim.user.replaced",
        subjectType: "user",
        subjectId: id,
        requestId: ctx.requestId,
        details: { userName: fields.userName, externalId: fields.externalId, active: fields.active },
      });
      await markDirty(tx, { connectionId: ctx.connectionId, subjectType: "user", subjectId: id }, ctx.now);
      const row = await tx.scimUser.findUniqueOrThrow({ where: { id } });
      return (await withGroups(tx, [row], true))[0];
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw userNameTaken(fields);
    throw error;
  }
}

/**
 * Tombstones the user and removes its memberships; the user and each affected group are marked for
 * reconciliation (the groups' versions move too: their member lists changed). False when not found.
 */
export async function deleteUser(db: Db, ctx: WriteContext, id: string, options: { expectedVersion?: number }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const updated = await tx.scimUser.updateMany({
      where: { id, connectionId: ctx.connectionId, deletedAt: null, ...(options.expectedVersion !== undefined ? { version: options.expectedVersion } : {}) },
      data: { deletedAt: ctx.now, userNameKey: null, version: { increment: 1 }, updatedAt: ctx.now },
    });
    if (updated.count === 0) {
      const current = await tx.scimUser.findFirst({ where: { id, connectionId: ctx.connectionId, deletedAt: null }, select: { version: true } });
      if (!current) return false;
      throw new ProvisioningError("versionMismatch", "The user was changed by another request", { currentVersion: current.version });
    }
    const memberships = await tx.scimGroupMember.findMany({ where: { userId: id }, select: { groupId: true } });
    const groupIds = memberships.map((m) => m.groupId);
    if (groupIds.length > 0) {
      await tx.scimGroupMember.deleteMany({ where: { userId: id } });
      await tx.scimGroup.updateMany({ where: { id: { in: groupIds } }, data: { version: { increment: 1 }, updatedAt: ctx.now } });
    }
    await recordAudit(tx, {
      connectionId: ctx.connectionId,
      actor: ctx.actor,
      action: "scim.user.deleted",
      subjectType: "user",
      subjectId: id,
      requestId: ctx.requestId,
      details: { removedFromGroups: groupIds },
    });
    await markDirty(tx, { connectionId: ctx.connectionId, subjectType: "user", subjectId: id }, ctx.now);
    for (const groupId of groupIds) await markDirty(tx, { connectionId: ctx.connectionId, subjectType: "group", subjectId: groupId }, ctx.now);
    return true;
  });
}
