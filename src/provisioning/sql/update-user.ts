/**
 * Changes a user: the row (all attributes, or `active` alone), its email rows when the attributes
 * change, the audit event and the user's reconcile mark, one statement. A change that changes nothing
 * writes nothing (no version bump, no event, no mark) and answers the user as stored. With
 * `expectedVersion` the write happens only while the user still has that version. Answers the user
 * with its groups and its GitLab state (pending when this statement marked it); null when there is
 * no such user; versionMismatch when the version moved.
 */
import { auditInsertSql } from "../../audit/audit";
import type { Database } from "../../db/database";
import { SqlParams } from "../../db/sql-params";
import type { ChangeAction, UserChange } from "../changes";
import { GITLAB_STATE_JOINS_OF_U, gitlabStateSelectSql } from "../gitlab-state-reads";
import { GROUPS_OF_U } from "../membership-reads";
import { userNameTaken } from "../provisioning-error";
import { isUniqueViolation } from "../unique-violation";
import type { UserFields } from "../user-fields";
import { toUserRecord, type UserRecord, type UserStatementRow } from "../user-record";
import type { WriteContext } from "../write-context";
import { settleOutcome, type OutcomeRow } from "../write-outcome";
import { expectedVersionParam, liveRowSql, outcomeSql, versionHoldsSql, writtenOrCurrentSql } from "./live-row";
import { markSubjectsSql } from "./mark-subjects";
import { bumpVersionSql } from "./versions";
import { insertEmailsSql, USER_AUDIT_DETAILS } from "./user-pieces";

/** The change deactivates a user that was active: an offboarding, claimed before other work. */
const OFFBOARDS = `NOT s."active" AND (SELECT "active" FROM cur)`;

/** SET items of the change, the condition under which it changes something, and the CTEs it adds. */
function changeSql(p: SqlParams, change: UserChange): { set: string; changes: string; ctes: string } {
  if (change.kind === "active") {
    const active = `${p.add(change.active)}::boolean`;
    return { set: `"active" = ${active}, "resource" = jsonb_set("resource", '{active}', to_jsonb(${active}))`, changes: `"active" IS DISTINCT FROM ${active}`, ctes: "" };
  }
  const f: UserFields = change.fields;
  const resource = p.json(f.resource);
  const active = `${p.add(f.active)}::boolean`;
  return {
    set: `"userName" = ${p.add(f.userName)}, "userNameKey" = ${p.add(f.userNameKey)}, "externalId" = ${p.add(f.externalId)}, "displayName" = ${p.add(f.displayName)},
      "displayNameKey" = ${p.add(f.displayNameKey)}, "givenName" = ${p.add(f.givenName)}, "familyName" = ${p.add(f.familyName)}, "familyNameKey" = ${p.add(f.familyNameKey)}, "active" = ${active}, "resource" = ${resource}`,
    // The stored resource holds every attribute the columns derive from; `active` may be absent from it (the default).
    changes: `("resource", "active") IS DISTINCT FROM (${resource}, ${active})`,
    ctes: `d AS (DELETE FROM "ScimUserEmail" WHERE "userId" IN (SELECT "id" FROM u)),
    e AS (${insertEmailsSql(p, "u", f)}),`,
  };
}

export async function updateUser(
  db: Database,
  ctx: WriteContext,
  id: string,
  change: UserChange,
  options: { expectedVersion?: number; action: ChangeAction },
): Promise<UserRecord | null> {
  const p = new SqlParams();
  const at = p.timestamp(ctx.now);
  const expected = expectedVersionParam(p, options.expectedVersion);
  const sql = changeSql(p, change);
  const statement = `WITH cur AS (${liveRowSql(p, "ScimUser", ctx.connectionId, id, { lock: options.expectedVersion !== undefined })}),
    u AS (
      UPDATE "ScimUser" SET ${sql.set}, ${bumpVersionSql(at)}
      WHERE "id" = (SELECT "id" FROM cur) AND ${versionHoldsSql(expected)} AND ${sql.changes}
      RETURNING *),
    ${sql.ctes}
    a AS (${auditInsertSql(p, "u", { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: `scim.user.${options.action}`, subjectType: "user", requestId: ctx.requestId, detailsSql: USER_AUDIT_DETAILS })}),
    r AS (${markSubjectsSql(p, "u", { connectionId: ctx.connectionId, subjectType: "user", requestId: ctx.requestId, offboardingSql: OFFBOARDS }, ctx.now)})
    SELECT ${outcomeSql("u", expected)}, u.*, ${GROUPS_OF_U}, ${gitlabStateSelectSql({ markedNow: "EXISTS (SELECT 1 FROM u)" })} FROM ${writtenOrCurrentSql("u", "u")}${GITLAB_STATE_JOINS_OF_U}`;
  let row: (UserStatementRow & OutcomeRow) | undefined;
  try {
    [row] = await db.direct.query<UserStatementRow & OutcomeRow>(statement, p.values);
  } catch (error) {
    if (isUniqueViolation(error) && change.kind === "fields") throw userNameTaken(change.fields.userName);
    throw error;
  }
  const settled = settleOutcome(row, "user");
  if (!settled) return null;
  const { outcome: _outcome, ...written } = settled;
  return toUserRecord(written);
}
