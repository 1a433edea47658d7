/**
 * What SCIM shows of a SCIM group's GitLab side (issue 11 item 8): the read-only extension
 * `urn:ietf:params:scim:schemas:extension:gitlab:2.0:Group`, one entry per mapping that matches the
 * group now, with its GitLab group, the level the mapping grants and the GitLab group's sync state.
 * The sync state is the target's, with one rule from the queue (as for users): while the group's own
 * pass or the GitLab group's pass is due or running, what the IdP last sent has not reached GitLab yet,
 * so the entry is "pending" whatever the target last said. The SQL that reads it is GITLAB_GROUPS_OF.
 */
import type { GitLabSyncState } from "./gitlab-user-state";
import { mappingMatchesGroupSql } from "./sql/group-targets";

export const GITLAB_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:extension:gitlab:2.0:Group";

export interface GitLabGroupEntry {
  fullPath: string;
  gitlabGroupId: number | null;
  /** The access level the mapping grants, by name (guest … owner). */
  accessLevel: number;
  syncState: GitLabSyncState;
  lastError: string | null;
  lastSyncedAt: string | null;
}

/**
 * Select item "gitlabGroups" over group row `g` (any alias): the entries as a JSON array. `markedNow`
 * is true when the statement itself marks the group (a write): its own mark is invisible to the
 * statement's snapshot, yet the answer must say pending.
 */
export function gitlabGroupsSelectSql(g: string, options: { markedNow: string } = { markedNow: "FALSE" }): string {
  const groupDue = `EXISTS (SELECT 1 FROM "ReconcileItem" gi WHERE gi."subjectType" = 'group' AND gi."subjectId" = ${g}."id" AND gi."state" IN ('pending', 'claimed'))`;
  return `COALESCE((SELECT json_agg(json_build_object('fullPath', t."fullPath", 'gitlabGroupId', t."gitlabGroupId", 'accessLevel', m."accessLevel",
        'syncState', CASE WHEN ${options.markedNow} OR ${groupDue} OR ti."state" IN ('pending', 'claimed') THEN 'pending' ELSE t."syncState"::text END,
        'lastError', t."lastError", 'lastSyncedAt', t."lastSyncedAt") ORDER BY t."fullPathKey", m."accessLevel" DESC, m."id")
      FROM "GroupMapping" m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId"
      LEFT JOIN "ReconcileItem" ti ON ti."subjectType" = 'gitlab_group' AND ti."subjectId" = t."id"
      WHERE ${mappingMatchesGroupSql("m", g)}), '[]'::json) AS "gitlabGroups"`;
}
