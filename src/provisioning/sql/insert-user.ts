/**
 * Creates a user: the row, its email rows, the audit event, the user's reconcile mark and the
 * connection's count of live users, one statement, answering the user with its GitLab state (pending:
 * it was just marked). The unique index (connectionId, userNameKey) decides races: no check-then-insert.
 */
import crypto from "node:crypto";
import { auditInsertSql } from "../../audit/audit";
import type { Database } from "../../db/database";
import { SqlParams } from "../../db/sql-params";
import { GITLAB_STATE_JOINS_OF_U, gitlabStateSelectSql } from "../gitlab-state-reads";
import { userNameTaken } from "../provisioning-error";
import { isUniqueViolation } from "../unique-violation";
import type { UserFields } from "../user-fields";
import { toUserRecord, type UserRecord, type UserStatementRow } from "../user-record";
import type { WriteContext } from "../write-context";
import { markSubjectsSql } from "./mark-subjects";
import { countRowsSql } from "./tenant-count";
import { insertEmailsSql, USER_AUDIT_DETAILS } from "./user-pieces";

export async function insertUser(db: Database, ctx: WriteContext, fields: UserFields): Promise<UserRecord> {
  const p = new SqlParams();
  const at = p.timestamp(ctx.now);
  const statement = `WITH u AS (
      INSERT INTO "ScimUser" ("id", "connectionId", "userName", "userNameKey", "externalId", "displayName", "displayNameKey", "givenName", "familyName", "familyNameKey", "active", "resource", "version", "createdAt", "updatedAt")
      VALUES (${p.uuid(crypto.randomUUID())}, ${p.uuid(ctx.connectionId)}, ${p.add(fields.userName)}, ${p.add(fields.userNameKey)}, ${p.add(fields.externalId)}, ${p.add(fields.displayName)},
              ${p.add(fields.displayNameKey)}, ${p.add(fields.givenName)}, ${p.add(fields.familyName)}, ${p.add(fields.familyNameKey)}, ${p.add(fields.active)}, ${p.json(fields.resource)}, 1, ${at}, ${at})
      RETURNING *),
    e AS (${insertEmailsSql(p, "u", fields)}),
    a AS (${auditInsertSql(p, "u", { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: "scim.user.created", subjectType: "user", requestId: ctx.requestId, detailsSql: USER_AUDIT_DETAILS })}),
    r AS (${markSubjectsSql(p, "u", { connectionId: ctx.connectionId, subjectType: "user", requestId: ctx.requestId }, ctx.now)}),
    c AS (${countRowsSql("u", "users", 1)})
    SELECT u.*, ${gitlabStateSelectSql({ markedNow: "TRUE" })} FROM u${GITLAB_STATE_JOINS_OF_U}`;
  try {
    const [row] = await db.direct.query<UserStatementRow>(statement, p.values);
    return { ...toUserRecord(row), groups: [] };
  } catch (error) {
    if (isUniqueViolation(error)) throw userNameTaken(fields.userName);
    throw error;
  }
}
