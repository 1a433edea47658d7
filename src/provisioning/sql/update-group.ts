/**
 * Changes a group, one statement: new attributes (or none) and a membership change, written only if
 * every added id is a live user of the connection, then the members removed and added, the new
 * versions of the users whose `groups` changed (added, removed, or all members on a rename), the audit
 * event and the group's reconcile mark.
 *
 * Membership changes are deltas applied to whatever is stored (or "exactly these" for a PUT), never
 * "overwrite with the list I read", so two concurrent member changes both land. A change that changes
 * nothing writes nothing and answers the group as stored. With `expectedVersion` the write happens only
 * while the group still has that version. Answers the group (with members when `withMembers`); null when
 * there is no such group; versionMismatch when the version moved; unknownMembers naming the ids.
 */
import { auditInsertSql } from "../../audit/audit";
import type { Database } from "../../db/database";
import { SqlParams } from "../../db/sql-params";
import type { ChangeAction, GroupChange } from "../changes";
import { gitlabGroupsSelectSql } from "../gitlab-group-state";
import { toGroupRecord, type GroupRecord, type GroupRowWithMembers } from "../group-record";
import { isUuid } from "../uuid";
import type { WriteContext } from "../write-context";
import { settleOutcome, type OutcomeRow } from "../write-outcome";
import { GROUP_AUDIT_DETAILS, MEMBERS_AFTER_OF_R } from "./group-pieces";
import { knownUsersSql, memberIdsAsStored, requireLiveUsers } from "./known-users";
import { expectedVersionParam, liveRowSql, outcomeSql, versionHoldsSql, writtenOrCurrentSql } from "./live-row";
import { markSubjectsSql } from "./mark-subjects";
import { bumpVersionSql, touchRowsSql } from "./versions";

export async function updateGroup(
  db: Database,
  ctx: WriteContext,
  id: string,
  change: GroupChange,
  options: { expectedVersion?: number; action: ChangeAction; withMembers: boolean },
): Promise<GroupRecord | null> {
  const add = memberIdsAsStored(change.members.add);
  const p = new SqlParams();
  const at = p.timestamp(ctx.now);
  const expected = expectedVersionParam(p, options.expectedVersion);
  const known = knownUsersSql(p, ctx.connectionId, add);
  const { remove } = change.members;
  // Which stored memberships (rows of `m`) go: the listed ids (non-UUIDs are nobody's), or all but the added ones.
  const removeIds = p.add(remove === "others" ? add.filter(isUuid) : memberIdsAsStored(remove).filter(isUuid));
  const removes = (m: string) => (remove === "others" ? `${m}."userId" <> ALL(${removeIds}::uuid[])` : `${m}."userId" = ANY(${removeIds}::uuid[])`);
  const f = change.fields;
  const resource = f && p.json(f.resource);
  const set = f ? `"displayName" = ${p.add(f.displayName)}, "displayNameKey" = ${p.add(f.displayNameKey)}, "externalId" = ${p.add(f.externalId)}, "resource" = ${resource},` : "";
  const changes = [
    ...(f ? [`"resource" IS DISTINCT FROM ${resource}`] : []),
    `EXISTS (SELECT 1 FROM known WHERE NOT EXISTS (SELECT 1 FROM "ScimGroupMember" m WHERE m."groupId" = cur."id" AND m."userId" = known."id"))`,
    `EXISTS (SELECT 1 FROM "ScimGroupMember" m WHERE m."groupId" = cur."id" AND ${removes("m")})`,
  ].join(" OR ");
  const allKnown = `(SELECT count(*) FROM known) = ${known.expected}`;
  const statement = `WITH cur AS (${liveRowSql(p, "ScimGroup", ctx.connectionId, id, { lock: options.expectedVersion !== undefined || f !== undefined })}),
    known AS (${known.sql}),
    g AS (
      UPDATE "ScimGroup" SET ${set} ${bumpVersionSql(at)}
      WHERE "id" = (SELECT "id" FROM cur) AND ${versionHoldsSql(expected)} AND ${allKnown} AND (SELECT ${changes} FROM cur)
      RETURNING *),
    removed AS (DELETE FROM "ScimGroupMember" m WHERE m."groupId" IN (SELECT "id" FROM g) AND ${removes("m")} RETURNING m."userId"),
    added AS (INSERT INTO "ScimGroupMember" ("groupId", "userId", "createdAt") SELECT g."id", known."id", ${at} FROM g, known ON CONFLICT DO NOTHING RETURNING "userId", "createdAt"),
    touched AS (${touchRowsSql(
      "ScimUser",
      `SELECT "userId" FROM added UNION SELECT "userId" FROM removed
       UNION SELECT m."userId" FROM "ScimGroupMember" m, g, cur WHERE m."groupId" = g."id" AND g."displayName" IS DISTINCT FROM cur."displayName"`,
      at,
    )}),
    a AS (${auditInsertSql(p, "g", { at: ctx.now, connectionId: ctx.connectionId, actor: ctx.actor, action: `scim.group.${options.action}`, subjectType: "group", requestId: ctx.requestId, detailsSql: GROUP_AUDIT_DETAILS })}),
    r AS (${markSubjectsSql(p, "g", { connectionId: ctx.connectionId, subjectType: "group", requestId: ctx.requestId }, ctx.now)})
    SELECT ${outcomeSql("g", expected, [[`NOT ${allKnown}`, "unknownMembers"]])}, r.*, ${gitlabGroupsSelectSql("r", { markedNow: "EXISTS (SELECT 1 FROM g)" })}${options.withMembers ? `, ${MEMBERS_AFTER_OF_R}` : ""} FROM ${writtenOrCurrentSql("g", "r")}`;
  const [row] = await db.direct.query<GroupRowWithMembers & OutcomeRow>(statement, p.values);
  const settled = settleOutcome(row, "group");
  if (!settled) return null;
  if (settled.outcome === "unknownMembers") {
    await requireLiveUsers(db, ctx.connectionId, add);
    throw new Error("group update refused members although every one is a live user");
  }
  const { outcome: _outcome, ...written } = settled;
  return toGroupRecord(written);
}
