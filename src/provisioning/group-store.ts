/**
 * Desired state of SCIM groups and their memberships. Each write is atomic (one statement, or one
 * short transaction for a delete): group row, membership delta, the affected users' versions, audit
 * event and the group's reconcile mark. Member ids are checked by the writing statement itself (live
 * users of the same connection): a rejected request changes nothing.
 *
 * Membership changes are applied as deltas (add these, remove those), never as "overwrite with the
 * list I read": two concurrent PATCHes adding different members both land.
 *
 * States of a group row: live → tombstone (deletedAt set, memberships removed; invisible over SCIM).
 */
import crypto from "node:crypto";
import { auditInsertSql, recordAudit } from "../audit/audit";
import type { Database } from "../db/database";
import { SqlParams } from "../db/sql-params";
import type { Prisma, PrismaClient, ScimGroup } from "../generated/prisma/client";
import { markDirty } from "../reconcile/mark-dirty";
import { markSubjectsSql } from "./sql/mark-subjects";
import { isUuid } from "./uuid";
import type { GroupFields } from "./group-fields";
import { MEMBERS_OF_G, membersJsonSql } from "./membership-reads";
import { explainMissedWrite } from "./missed-write";
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

type GroupRowWithMembers = ScimGroup & { members?: GroupMemberRef[] };

function toRecord({ members, ...row }: GroupRowWithMembers): GroupRecord {
  return members === undefined ? { row } : { row, members };
}

/** One driver-direct statement (the group, and its members when asked): PATCH reads it on every push. */
export async function findGroup(db: Database, connectionId: string, id: string, options: { withMembers: boolean }): Promise<GroupRecord | null> {
  const [found] = await db.direct.query<GroupRowWithMembers>(
    `SELECT g.*${options.withMembers ? `, ${MEMBERS_OF_G}` : ""} FROM "ScimGroup" g WHERE g."id" = $1::uuid AND g."connectionId" = $2::uuid AND g."deletedAt" IS NULL`,
    [id, connectionId],
  );
  return found ? toRecord(found) : null;
}

/** The ids among `ids` that are not live users of the connection (non-UUIDs never are). */
async function unknownMemberIds(db: Database, connectionId: string, ids: readonly string[]): Promise<string[]> {
  const uuids = ids.filter(isUuid).map((id) => id.toLowerCase());
  const found = uuids.length
    ? await db.direct.query<{ id: string }>(`SELECT "id" FROM "ScimUser" WHERE "connectionId" = $1::uuid AND "deletedAt" IS NULL AND "id" = ANY($2::uuid[])`, [connectionId, uuids])
    : [];
  const known = new Set(found.map((u) => u.id));
  return ids.filter((id) => !known.has(id.toLowerCase()));
}

/** Throws unknownMembers naming every id that is not a live user of the connection. */
async function requireLiveUsers(db: Database, connectionId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const unknown = await unknownMemberIds(db, connectionId, ids);
  if (unknown.length > 0) {
    throw new ProvisioningError("unknownMembers", `Unknown member id(s), not users of this connection: ${unknown.join(", ")}`, { ids: unknown });
  }
}

/** The live users among `ids` (a CTE named "known"): a write proceeds only if it holds them all. */
function knownUsersSql(p: SqlParams, connectionId: string, ids: readonly string[]): string {
  return `SELECT "id" FROM "ScimUser" WHERE "connectionId" = ${p.uuid(connectionId)} AND "deletedAt" IS NULL AND "id" = ANY(${p.add(ids)}::uuid[])`;
}

/**
 * One driver-direct statement: the group row is inserted only if every member id is a live user of
 * the connection (else nothing is written and the unknown ids are reported), with its memberships,
 * audit event and reconcile mark; it answers the group with its members, read by the same statement.
 */
export async function createGroup(db: Database, ctx: WriteContext, fields: GroupFields, memberIds: readonly string[]): Promise<GroupRecord> {
  if (!memberIds.every(isUuid)) await requireLiveUsers(db, ctx.connectionId, memberIds);
  const members = [...new Set(memberIds.map((u) => u.toLowerCase()))];
  const p = new SqlParams();
  const at = p.timestamp(ctx.now);
  const statement = `WITH known AS (${knownUsersSql(p, ctx.connectionId, members)}),
    g AS (
      INSERT INTO "ScimGroup" ("id", "connectionId", "displayName", "displayNameKey", "externalId", "resource", "version", "createdAt", "updatedAt")
      SELECT ${p.uuid(crypto.randomUUID())}, ${p.uuid(ctx.connectionId)}, ${p.add(fields.displayName)}, ${p.add(fields.displayNameKey)}, ${p.add(fields.externalId)}, ${p.json(fields.resource)}, 1, ${at}, ${at}
      WHERE (SELECT count(*) FROM known) = ${p.add(members.length)}
      RETURNING *),
    added AS (INSERT INTO "ScimGroupMember" ("groupId", "userId", "createdAt") SELECT g."id", known."id", ${at} FROM g, known RETURNING "userId", "createdAt"),
    touched AS (${touchUsersSql(`SELECT "userId" FROM added`, at)}),
    a AS (${auditInsertSql(p, "g", {
      at: ctx.now,
      connectionId: ctx.connectionId,
      actor: ctx.actor,
      action: "scim.group.created",
      subjectType: "group",
      requestId: ctx.requestId,
      details: { displayName: fields.displayName, externalId: fields.externalId, added: [...memberIds] },
    })}),
    r AS (${markSubjectsSql(p, "g", { connectionId: ctx.connectionId, subjectType: "group" }, ctx.now)})
    SELECT g.*, ${membersJsonSql(`(SELECT "userId", "createdAt" FROM added)`)} FROM g`;
  const [created] = await db.direct.query<GroupRowWithMembers>(statement, p.values);
  if (!created) {
    await requireLiveUsers(db, ctx.connectionId, members); // the only reason the insert writes no row
    throw new Error("group insert wrote no row although every member is a live user");
  }
  return toRecord(created);
}

export interface MemberChange {
  add: readonly string[];
  remove: readonly string[];
}

/**
 * A user's `groups` attribute is part of the user resource, so a membership change (or a group rename,
 * which changes `groups[].display`) is a change of the user: its version (ETag) and lastModified move,
 * or an IdP's If-None-Match would keep answering 304 with stale groups. `userIds` is a subquery.
 */
function touchUsersSql(userIds: string, at: string): string {
  return `UPDATE "ScimUser" SET "version" = "version" + 1, "updatedAt" = ${at} WHERE "id" IN (${userIds})`;
}

/**
 * The members after the write, from inside the writing statement (which cannot see its own changes):
 * the rows it started with minus those it removed, plus those it inserted, in the order they were added.
 */
function membersAfterSql(removeIds: string): string {
  return membersJsonSql(`(SELECT m."userId", m."createdAt" FROM "ScimGroupMember" m WHERE m."groupId" IN (SELECT "id" FROM g) AND m."userId" <> ALL(${removeIds}::uuid[])
      UNION ALL SELECT "userId", "createdAt" FROM added)`);
}

/**
 * Writes new group fields and a membership delta in one driver-direct statement: the update happens
 * only if every added id is a live user of the connection (else nothing is written and the unknown
 * ids are reported), then members removed and added, the affected users' versions, the audit event
 * and the reconcile mark. Returns null when the group does not exist. `withMembers` says whether the
 * caller will show members.
 *
 * Without `fields` it is a membership delta alone (the IdP's group push, see member-delta.ts): the
 * group's attributes stay, and a delta that changes nothing (only removals of non-members) writes
 * nothing and answers the group as it is, as a PATCH that changes nothing does.
 */
export async function updateGroup(
  db: Database,
  ctx: WriteContext,
  id: string,
  fields: GroupFields | undefined,
  change: MemberChange,
  options: { expectedVersion?: number; action: string; withMembers: boolean },
): Promise<GroupRecord | null> {
  const allUuids = change.add.every(isUuid);
  if (!allUuids && fields) await requireLiveUsers(db, ctx.connectionId, change.add);
  const add = [...new Set(change.add.map((u) => u.toLowerCase()))];
  const remove = change.remove.filter(isUuid).map((u) => u.toLowerCase());
  const p = new SqlParams();
  const connectionId = p.uuid(ctx.connectionId);
  const at = p.timestamp(ctx.now);
  const versionCheck = options.expectedVersion !== undefined ? `AND "version" = ${p.add(options.expectedVersion)}` : "";
  const removeIds = p.add(remove);
  const groupId = p.uuid(id);
  const setFields = fields
    ? `"displayName" = ${p.add(fields.displayName)}, "displayNameKey" = ${p.add(fields.displayNameKey)}, "externalId" = ${p.add(fields.externalId)}, "resource" = ${p.json(fields.resource)},`
    : "";
  const changesSomething = fields
    ? ""
    : `AND (${p.add(add.length)} > 0 OR EXISTS (SELECT 1 FROM "ScimGroupMember" m WHERE m."groupId" = ${groupId} AND m."userId" = ANY(${removeIds}::uuid[])))`;
  const details = fields ? { displayName: fields.displayName, externalId: fields.externalId, added: [...change.add], removed: [...change.remove] } : { added: [...change.add], removed: [...change.remove] };
  const statement = `WITH known AS (${knownUsersSql(p, ctx.connectionId, add)}),
    before AS (SELECT "displayName" FROM "ScimGroup" WHERE "id" = ${groupId}),
    g AS (
      UPDATE "ScimGroup" SET ${setFields} "version" = "version" + 1, "updatedAt" = ${at}
      WHERE "id" = ${groupId} AND "connectionId" = ${connectionId} AND "deletedAt" IS NULL ${versionCheck}
        AND (SELECT count(*) FROM known) = ${p.add(add.length)} ${changesSomething}
      RETURNING *),
    removed AS (DELETE FROM "ScimGroupMember" WHERE "groupId" IN (SELECT "id" FROM g) AND "userId" = ANY(${removeIds}::uuid[]) RETURNING "userId"),
    added AS (INSERT INTO "ScimGroupMember" ("groupId", "userId", "createdAt") SELECT g."id", known."id", ${at} FROM g, known ON CONFLICT DO NOTHING RETURNING "userId", "createdAt"),
    touched AS (${touchUsersSql(
      `SELECT "userId" FROM added UNION SELECT "userId" FROM removed
       UNION SELECT m."userId" FROM "ScimGroupMember" m, g, before WHERE m."groupId" = g."id" AND g."displayName" IS DISTINCT FROM before."displayName"`,
      at,
    )}),
    a AS (${auditInsertSql(p, "g", { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: options.action, subjectType: "group", requestId: ctx.requestId, details })}),
    r AS (${markSubjectsSql(p, "g", { connectionId: ctx.connectionId, subjectType: "group" }, ctx.now)})
    SELECT g.*${options.withMembers ? `, ${membersAfterSql(removeIds)}` : ""} FROM g`;
  const [updated] = allUuids ? await db.direct.query<GroupRowWithMembers>(statement, p.values) : [];
  if (updated) return toRecord(updated);
  // Nothing written: say why, in the general PATCH's order (no such group, unknown members, ...).
  if (!fields) {
    const current = await findGroup(db, ctx.connectionId, id, { withMembers: options.withMembers });
    if (!current) return null;
    await requireLiveUsers(db, ctx.connectionId, add);
    return current; // a delta that changes nothing
  }
  await requireLiveUsers(db, ctx.connectionId, add);
  return explainMissedWrite(db, "ScimGroup", ctx.connectionId, id);
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
    // The former members' `groups` changed: their versions move too (see touchUsersSql).
    if (members.length > 0) await tx.scimUser.updateMany({ where: { id: { in: members.map((m) => m.userId) } }, data: { version: { increment: 1 }, updatedAt: ctx.now } });
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
