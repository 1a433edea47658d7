/**
 * Everything a GitLab group's (target's) pass reads before planning, one statement: the target row,
 * its connection's name and stored settings, the grants of its rules to linked users (desired, before
 * the planner folds them: gitlab-membership-plan.ts), the memberships the bridge manages (applied, each
 * with whether its user left), the standing conflicts and whether a rule is authoritative. Null when
 * the target is gone (its last rule removed with it, or its connection deleted).
 *
 * A grant needs a live SCIM group a rule of the target matches (mappingMatchesGroupSql, the one
 * definition), a member not deleted, and a link to a GitLab user that still exists.
 *
 * The lists are built as json, not jsonb: they are only read back, and for a group of 100 members
 * jsonb's binary form cost 1-2 ms more per load on the embedded database (3.2 → 2.0 ms measured).
 */
import type { SqlRunner } from "../../db/sql-runner";
import type { AppliedMembership, MembershipConflictKind, MembershipGrant, StandingConflict } from "../gitlab-membership-plan";
import { mappingMatchesGroupSql } from "./group-targets";

export interface TargetSubject {
  targetId: string;
  connectionId: string;
  connectionName: string;
  /** Connection.settings as stored (read with readSettings). */
  storedSettings: unknown;
  fullPath: string;
  gitlabGroupId: number | null;
  /** The bridge makes this GitLab group (an unmapped SCIM group's subgroup); until its id is recorded it may be mid-creation. */
  createdByBridge: boolean;
  grants: MembershipGrant[];
  applied: AppliedMembership[];
  conflicts: StandingConflict[];
  authoritative: boolean;
}

interface Row {
  id: string;
  connectionId: string;
  connectionName: string;
  settings: unknown;
  fullPath: string;
  gitlabGroupId: number | null;
  createdByBridge: boolean;
  grants: MembershipGrant[] | null;
  applied: AppliedMembership[] | null;
  conflicts: (Omit<StandingConflict, "kind"> & { kind: string })[] | null;
  authoritative: boolean;
}

const TARGET_SUBJECT_SQL = `SELECT t."id", t."connectionId", c."name" AS "connectionName", c."settings", t."fullPath", t."gitlabGroupId", t."createdByBridge",
    (SELECT json_agg(json_build_object('gitlabUserId', l."gitlabUserId", 'scimUserId', u."id", 'active', u."active", 'accessLevel', m."accessLevel", 'expiresInDays', m."expiresInDays"))
      FROM "GroupMapping" m
      JOIN "ScimGroup" g ON ${mappingMatchesGroupSql("m", "g")} AND g."deletedAt" IS NULL
      JOIN "ScimGroupMember" gm ON gm."groupId" = g."id"
      JOIN "ScimUser" u ON u."id" = gm."userId" AND u."deletedAt" IS NULL
      JOIN "GitLabUserLink" l ON l."scimUserId" = u."id" AND l."gitlabUserId" IS NOT NULL AND l."gitlabDeletedAt" IS NULL
      WHERE m."targetId" = t."id") AS "grants",
    (SELECT json_agg(json_build_object('gitlabUserId', a."gitlabUserId", 'scimUserId', a."scimUserId", 'accessLevel', a."accessLevel",
        'expiresAt', to_char(a."expiresAt", 'YYYY-MM-DD'), 'expiresInDays', a."expiresInDays", 'origin', a."origin"::text,
        'leaver', COALESCE(NOT u."active" OR u."deletedAt" IS NOT NULL, true)))
      FROM "GitLabMembership" a LEFT JOIN "ScimUser" u ON u."id" = a."scimUserId"
      WHERE a."targetId" = t."id") AS "applied",
    (SELECT json_agg(json_build_object('gitlabUserId', k."gitlabUserId", 'scimUserId', k."scimUserId", 'kind', k."kind",
        'desiredLevel', k."desiredLevel", 'observedLevel', k."observedLevel", 'message', k."message"))
      FROM "GitLabMembershipConflict" k WHERE k."targetId" = t."id") AS "conflicts",
    EXISTS (SELECT 1 FROM "GroupMapping" m WHERE m."targetId" = t."id" AND m."authoritative") AS "authoritative"
  FROM "GitLabGroupTarget" t JOIN "Connection" c ON c."id" = t."connectionId"`;

export async function findTargetSubject(runner: SqlRunner, targetId: string): Promise<TargetSubject | null> {
  const [row] = await runner.query<Row>(`${TARGET_SUBJECT_SQL} WHERE t."id" = $1::uuid`, [targetId]);
  if (!row) return null;
  return {
    targetId: row.id,
    connectionId: row.connectionId,
    connectionName: row.connectionName,
    storedSettings: row.settings,
    fullPath: row.fullPath,
    gitlabGroupId: row.gitlabGroupId,
    createdByBridge: row.createdByBridge,
    grants: row.grants ?? [],
    applied: row.applied ?? [],
    conflicts: (row.conflicts ?? []).map((c) => ({ ...c, kind: c.kind as MembershipConflictKind })),
    authoritative: row.authoritative,
  };
}
