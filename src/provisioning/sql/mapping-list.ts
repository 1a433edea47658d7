/**
 * The mapping rules of one connection or all, one statement, with what an admin asks about each: the
 * GitLab group's sync state (pending while its pass is due or running, as the SCIM extensions say it),
 * last error, the memberships the bridge manages there, the conflicts reported, the unmanaged members
 * the last full pass counted, and how many live SCIM groups the rule matches now.
 */
import type { SqlParams } from "../../db/sql-params";
import { mappingMatchesGroupSql } from "./group-targets";
import { MAPPING_COLUMNS, type MappingRow } from "./mapping-pieces";

export interface MappingListRow extends MappingRow {
  connection: string;
  gitlabGroupId: number | null;
  syncState: string;
  lastError: string | null;
  lastSyncedAt: Date | null;
  managedMembers: number;
  conflicts: number;
  unmanagedMembers: number | null;
  /** Live SCIM groups the rule matches now. */
  scimGroups: number;
  /** The SCIM group's displayName, for a rule that matches one group by id (an unmapped group's). */
  scimGroupName: string | null;
}

export function listMappingsSql(p: SqlParams, filter: { connectionId?: string }): string {
  const where = filter.connectionId === undefined ? "" : `WHERE m."connectionId" = ${p.uuid(filter.connectionId)}`;
  return `SELECT ${MAPPING_COLUMNS}, c."name" AS "connection", t."gitlabGroupId",
      CASE WHEN i."state" IN ('pending', 'claimed') THEN 'pending' ELSE t."syncState"::text END AS "syncState",
      t."lastError", t."lastSyncedAt", t."unmanagedMembers",
      (SELECT count(*) FROM "GitLabMembership" gm WHERE gm."targetId" = t."id")::int AS "managedMembers",
      (SELECT count(*) FROM "GitLabMembershipConflict" x WHERE x."targetId" = t."id")::int AS "conflicts",
      (SELECT count(*) FROM "ScimGroup" g WHERE ${mappingMatchesGroupSql("m", "g")} AND g."deletedAt" IS NULL)::int AS "scimGroups",
      (SELECT g."displayName" FROM "ScimGroup" g WHERE m."matchBy" = 'scimGroupId' AND g."id"::text = m."matchValue") AS "scimGroupName"
    FROM "GroupMapping" m
    JOIN "Connection" c ON c."id" = m."connectionId"
    JOIN "GitLabGroupTarget" t ON t."id" = m."targetId"
    LEFT JOIN "ReconcileItem" i ON i."subjectType" = 'gitlab_group' AND i."subjectId" = t."id"
    ${where}
    ORDER BY c."name", t."fullPathKey", m."matchBy", m."matchValue", m."id"`;
}
