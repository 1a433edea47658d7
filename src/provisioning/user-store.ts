/**
 * Desired state of SCIM users. Every write is atomic: one statement (create, replace, activation) or
 * one short transaction (delete) holds the desired state, its audit event and the reconcile marks
 * (the user, and every group whose membership changed), so they are committed together or not at
 * all. No network I/O happens inside a transaction (PGlite is a single connection: an open
 * transaction blocks every query).
 *
 * States of a user row: live (deletedAt NULL, userNameKey = lower(userName)) → tombstone (deletedAt
 * set, userNameKey NULL so the name can be reused; kept for deprovisioning, invisible over SCIM).
 */
import crypto from "node:crypto";
import { auditInsertSql, recordAudit } from "../audit/audit";
import type { Database } from "../db/database";
import { SqlParams } from "../db/sql-params";
import type { Prisma, PrismaClient, ScimUser } from "../generated/prisma/client";
import { markDirty } from "../reconcile/mark-dirty";
import { markSubjectsSql } from "./sql/mark-subjects";
import { GROUPS_OF_U } from "./membership-reads";
import { ProvisioningError } from "./provisioning-error";
import { explainMissedWrite } from "./missed-write";
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

/*
 * The IdP's hot paths (a user read, a create, a replace or PATCH) run driver-direct, one statement
 * each: a write is one statement of data-modifying CTEs (row, emails, audit event, reconcile mark),
 * atomic without an interactive transaction; a read brings the user's groups along as JSON.
 */

type UserRowWithGroups = ScimUser & { groups?: UserGroupRef[] };

function toRecord({ groups, ...row }: UserRowWithGroups): UserRecord {
  return groups === undefined ? { row } : { row, groups };
}

export async function findUser(db: Database, connectionId: string, id: string, options: { withGroups: boolean }): Promise<UserRecord | null> {
  const [row] = await db.direct.query<UserRowWithGroups>(
    `SELECT u.*${options.withGroups ? `, ${GROUPS_OF_U}` : ""} FROM "ScimUser" u WHERE u."id" = $1::uuid AND u."connectionId" = $2::uuid AND u."deletedAt" IS NULL`,
    [id, connectionId],
  );
  return row ? toRecord(row) : null;
}

function userNameTaken(fields: UserFields): ProvisioningError {
  return new ProvisioningError("userNameTaken", `userName "${fields.userName}" is already in use by another user of this connection`);
}

/** The CTE that writes a user's email rows from `source` (the written user). */
function insertEmailsSql(p: SqlParams, source: string, fields: UserFields): string {
  const emails = fields.emails.map(({ value, valueKey, type, primary }) => ({ value, valueKey, type, primary }));
  return `INSERT INTO "ScimUserEmail" ("userId", "connectionId", "value", "valueKey", "type", "primary")
    SELECT s."id", s."connectionId", x."value", x."valueKey", x."type", x."primary"
    FROM ${source} s, jsonb_to_recordset(${p.json(emails)}) AS x("value" text, "valueKey" text, "type" text, "primary" boolean)`;
}

function auditDetails(fields: UserFields): Prisma.InputJsonObject {
  return { userName: fields.userName, externalId: fields.externalId, active: fields.active };
}

export async function createUser(db: Database, ctx: WriteContext, fields: UserFields): Promise<UserRecord> {
  const p = new SqlParams();
  const at = p.timestamp(ctx.now);
  // The unique index (connectionId, userNameKey) decides races: no check-then-insert.
  const statement = `WITH u AS (
      INSERT INTO "ScimUser" ("id", "connectionId", "userName", "userNameKey", "externalId", "displayName", "displayNameKey", "givenName", "familyName", "active", "resource", "version", "createdAt", "updatedAt")
      VALUES (${p.uuid(crypto.randomUUID())}, ${p.uuid(ctx.connectionId)}, ${p.add(fields.userName)}, ${p.add(fields.userNameKey)}, ${p.add(fields.externalId)}, ${p.add(fields.displayName)},
              ${p.add(fields.displayNameKey)}, ${p.add(fields.givenName)}, ${p.add(fields.familyName)}, ${p.add(fields.active)}, ${p.json(fields.resource)}, 1, ${at}, ${at})
      RETURNING *),
    e AS (${insertEmailsSql(p, "u", fields)}),
    a AS (${auditInsertSql(p, "u", { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: "scim.user.created", subjectType: "user", requestId: ctx.requestId, details: auditDetails(fields) })}),
    r AS (${markSubjectsSql(p, "u", { connectionId: ctx.connectionId, subjectType: "user" }, ctx.now)})
    SELECT * FROM u`;
  try {
    const [row] = await db.direct.query<ScimUser>(statement, p.values);
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
  db: Database,
  ctx: WriteContext,
  id: string,
  fields: UserFields,
  options: { expectedVersion?: number; action?: string; emailsUnchanged?: boolean },
): Promise<UserRecord | null> {
  const p = new SqlParams();
  const userId = p.uuid(id);
  const connectionId = p.uuid(ctx.connectionId);
  const versionCheck = options.expectedVersion !== undefined ? `AND "version" = ${p.add(options.expectedVersion)}` : "";
  const statement = `WITH u AS (
      UPDATE "ScimUser" SET "userName" = ${p.add(fields.userName)}, "userNameKey" = ${p.add(fields.userNameKey)}, "externalId" = ${p.add(fields.externalId)},
        "displayName" = ${p.add(fields.displayName)}, "displayNameKey" = ${p.add(fields.displayNameKey)}, "givenName" = ${p.add(fields.givenName)},
        "familyName" = ${p.add(fields.familyName)}, "active" = ${p.add(fields.active)}, "resource" = ${p.json(fields.resource)},
        "version" = "version" + 1, "updatedAt" = ${p.timestamp(ctx.now)}
      WHERE "id" = ${userId} AND "connectionId" = ${connectionId} AND "deletedAt" IS NULL ${versionCheck}
      RETURNING *),
    ${
      // A PATCH that left emails alone (deactivation, the common case) skips rewriting them.
      options.emailsUnchanged
        ? ""
        : `d AS (DELETE FROM "ScimUserEmail" WHERE "userId" IN (SELECT "id" FROM u)),
    e AS (${insertEmailsSql(p, "u", fields)}),`
    }
    a AS (${auditInsertSql(p, "u", { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: options.action ?? "scim.user.replaced", subjectType: "user", requestId: ctx.requestId, details: auditDetails(fields) })}),
    r AS (${markSubjectsSql(p, "u", { connectionId: ctx.connectionId, subjectType: "user" }, ctx.now)})
    SELECT u.*, ${GROUPS_OF_U} FROM u`;
  let row: UserRowWithGroups | undefined;
  try {
    [row] = await db.direct.query<UserRowWithGroups>(statement, p.values);
  } catch (error) {
    if (isUniqueViolation(error)) throw userNameTaken(fields);
    throw error;
  }
  return row ? toRecord(row) : explainMissedWrite(db, "ScimUser", ctx.connectionId, id);
}

/**
 * Activation or deactivation alone (HR offboarding's PATCH from Entra and Okta) as one statement: the
 * `active` column and the stored resource change together, with the audit event and reconcile mark.
 * Setting the value the user already has writes nothing and answers the user as it is, as a PATCH that
 * changes nothing does. Null when the user does not exist.
 */
export async function setUserActive(db: Database, ctx: WriteContext, id: string, active: boolean): Promise<UserRecord | null> {
  const p = new SqlParams();
  const value = p.add(active);
  const statement = `WITH u AS (
      UPDATE "ScimUser" SET "active" = ${value}, "resource" = jsonb_set("resource", '{active}', to_jsonb(${value}::boolean)),
        "version" = "version" + 1, "updatedAt" = ${p.timestamp(ctx.now)}
      WHERE "id" = ${p.uuid(id)} AND "connectionId" = ${p.uuid(ctx.connectionId)} AND "deletedAt" IS NULL AND "active" IS DISTINCT FROM ${value}
      RETURNING *),
    a AS (${auditInsertSql(p, "u", {
      at: ctx.now,
      connectionId: ctx.connectionId,
      actor: ctx.actor,
      action: "scim.user.patched",
      subjectType: "user",
      requestId: ctx.requestId,
      detailsSql: `jsonb_build_object('userName', s."userName", 'externalId', s."externalId", 'active', s."active")`,
    })}),
    r AS (${markSubjectsSql(p, "u", { connectionId: ctx.connectionId, subjectType: "user" }, ctx.now)})
    SELECT u.*, ${GROUPS_OF_U} FROM u`;
  const [row] = await db.direct.query<UserRowWithGroups>(statement, p.values);
  return row ? toRecord(row) : findUser(db, ctx.connectionId, id, { withGroups: true });
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
