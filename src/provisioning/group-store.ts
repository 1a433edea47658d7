/**
 * Desired state of SCIM groups and their memberships. Each write is one short transaction: group
 * row, membership delta, audit event and the group's reconcile mark. Member ids are validated inside
 * the same transaction (live users of the same connection), so a rejected request changes nothing.
 *
 * Membership changes are applied as deltas (add these, remove those), never as "overwrite with the
 * list I read": two concurrent PATCHes adding different members both land.
 *
 * States of a group row: live → tombstone (deletedAt set, memberships removed; invisible over SCIM).
 */
import { recordAudit } from "../audit/audit";
import type { Prisma, PrismaClient, ScimGroup } from "../generated/prisma/client";
import { markDirty } from "../reconcile/mark-dirty";
import type { GroupFields } from "./group-fields";
import { membersOfGroups } from "./membership-reads";
import { ProvisioningError } from "./provisioning-error";
import type { WriteContext } from "./write-context";

export interface GroupMemberRef {
  id: string;
  userName: string;
  displayName: string | null;
}

export interface GroupRecord {
  row: ScimGroup;
  /** Undefined when members were not loaded (e.g. excludedAttributes=members). */
  members?: GroupMemberRef[];
}

type Db = PrismaClient;
type Tx = Prisma.TransactionClient;

/** Rows as records, with their members when asked (one join for all rows). */
async function withMembers(db: Db | Tx, rows: ScimGroup[], load: boolean): Promise<GroupRecord[]> {
  if (!load) return rows.map((row) => ({ row }));
  const members = await membersOfGroups(db, rows.map((r) => r.id));
  return rows.map((row) => ({ row, members: (members.get(row.id) ?? []).map(({ id, userName, displayName }) => ({ id, userName, displayName })) }));
}

export async function findGroup(db: Db | Tx, connectionId: string, id: string, options: { withMembers: boolean }): Promise<GroupRecord | null> {
  const row = await db.scimGroup.findFirst({ where: { id, connectionId, deletedAt: null } });
  return row ? (await withMembers(db, [row], options.withMembers))[0] : null;
}

export interface GroupQuery {
  connectionId: string;
  where: Prisma.ScimGroupWhereInput[];
  orderBy: Prisma.ScimGroupOrderByWithRelationInput[];
  skip?: number;
  take?: number;
  withMembers: boolean;
}

function liveWhere(query: Pick<GroupQuery, "connectionId" | "where">): Prisma.ScimGroupWhereInput {
  return { connectionId: query.connectionId, deletedAt: null, AND: query.where };
}

export async function listGroups(db: Db, query: GroupQuery): Promise<GroupRecord[]> {
  const rows = await db.scimGroup.findMany({
    where: liveWhere(query),
    orderBy: query.orderBy,
    skip: query.skip,
    take: query.take,
  });
  return withMembers(db, rows, query.withMembers);
}

export async function countGroups(db: Db, query: Pick<GroupQuery, "connectionId" | "where">): Promise<number> {
  return db.scimGroup.count({ where: liveWhere(query) });
}

/** Throws unknownMembers naming every id that is not a live user of the connection. */
async function requireLiveUsers(tx: Tx, connectionId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const uuids = ids.filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  const found = uuids.length
    ? await tx.scimUser.findMany({ where: { connectionId, deletedAt: null, id: { in: uuids } }, select: { id: true } })
    : [];
  const known = new Set(found.map((u) => u.id));
  const unknown = ids.filter((id) => !known.has(id.toLowerCase()));
  if (unknown.length > 0) {
    throw new ProvisioningError("unknownMembers", `Unknown member id(s), not users of this connection: ${unknown.join(", ")}`, { ids: unknown });
  }
}

export async function createGroup(db: Db, ctx: WriteContext, fields: GroupFields, memberIds: readonly string[]): Promise<GroupRecord> {
  const id = await db.$transaction(async (tx) => {
    await requireLiveUsers(tx, ctx.connectionId, memberIds);
    const created = await tx.scimGroup.create({
      data: { connectionId: ctx.connectionId, ...fields, createdAt: ctx.now, updatedAt: ctx.now },
    });
    if (memberIds.length > 0) {
      await tx.scimGroupMember.createMany({ data: memberIds.map((userId) => ({ groupId: created.id, userId: userId.toLowerCase(), createdAt: ctx.now })) });
    }
    await recordAudit(tx, {
      connectionId: ctx.connectionId,
      actor: ctx.actor,
      action: "scim.group.created",
      subjectType: "group",
      subjectId: created.id,
      requestId: ctx.requestId,
      details: { displayName: fields.displayName, externalId: fields.externalId, added: [...memberIds] },
    });
    await markDirty(tx, { connectionId: ctx.connectionId, subjectType: "group", subjectId: created.id }, ctx.now);
    return created.id;
  });
  return (await findGroup(db, ctx.connectionId, id, { withMembers: true }))!;
}

export interface MemberChange {
  add: readonly string[];
  remove: readonly string[];
}

/**
 * Writes new group fields and a membership delta. Returns null when the group does not exist.
 * `withMembers` says whether the caller will show members (a PATCH answered without them need not load them).
 */
export async function updateGroup(
  db: Db,
  ctx: WriteContext,
  id: string,
  fields: GroupFields,
  change: MemberChange,
  options: { expectedVersion?: number; action: string; withMembers: boolean },
): Promise<GroupRecord | null> {
  const updated = await db.$transaction(async (tx) => {
    await requireLiveUsers(tx, ctx.connectionId, change.add);
    const result = await tx.scimGroup.updateMany({
      where: { id, connectionId: ctx.connectionId, deletedAt: null, ...(options.expectedVersion !== undefined ? { version: options.expectedVersion } : {}) },
      data: { ...fields, version: { increment: 1 }, updatedAt: ctx.now },
    });
    if (result.count === 0) {
      const current = await tx.scimGroup.findFirst({ where: { id, connectionId: ctx.connectionId, deletedAt: null }, select: { version: true } });
      if (!current) return false;
      throw new ProvisioningError("versionMismatch", "The group was changed by another request", { currentVersion: current.version });
    }
    if (change.remove.length > 0) {
      await tx.scimGroupMember.deleteMany({ where: { groupId: id, userId: { in: change.remove.map((u) => u.toLowerCase()) } } });
    }
    if (change.add.length > 0) {
      await tx.scimGroupMember.createMany({
        data: change.add.map((userId) => ({ groupId: id, userId: userId.toLowerCase(), createdAt: ctx.now })),
        skipDuplicates: true,
      });
    }
    await recordAudit(tx, {
      connectionId: ctx.connectionId,
      actor: ctx.actor,
      action: options.action,
      subjectType: "group",
      subjectId: id,
      requestId: ctx.requestId,
      details: { displayName: fields.displayName, externalId: fields.externalId, added: [...change.add], removed: [...change.remove] },
    });
    await markDirty(tx, { connectionId: ctx.connectionId, subjectType: "group", subjectId: id }, ctx.now);
    return true;
  });
  if (!updated) return null;
  return findGroup(db, ctx.connectionId, id, { withMembers: options.withMembers });
}

/** Tombstones the group and drops its memberships. False when not found. */
export async function deleteGroup(db: Db, ctx: WriteContext, id: string, options: { expectedVersion?: number }): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const result = await tx.scimGroup.updateMany({
      where: { id, connectionId: ctx.connectionId, deletedAt: null, ...(options.expectedVersion !== undefined ? { version: options.expectedVersion } : {}) },
      data: { deletedAt: ctx.now, version: { increment: 1 }, updatedAt: ctx.now },
    });
    if (result.count === 0) {
      const current = await tx.scimGroup.findFirst({ where: { id, connectionId: ctx.connectionId, deletedAt: null }, select: { version: true } });
      if (!current) return false;
      throw new ProvisioningError("versionMismatch", "The group was changed by another request", { currentVersion: current.version });
    }
    const members = await tx.scimGroupMember.findMany({ where: { groupId: id }, select: { userId: true } });
    await tx.scimGroupMember.deleteMany({ where: { groupId: id } });
    await recordAudit(tx, {
      connectionId: ctx.connectionId,
      actor: ctx.actor,
      action: "scim.group.deleted",
      subjectType: "group",
      subjectId: id,
      requestId: ctx.requestId,
      details: { removed: members.map((m) => m.userId) },
    });
    await markDirty(tx, { connectionId: ctx.connectionId, subjectType: "group", subjectId: id }, ctx.now);
    return true;
  });
}
