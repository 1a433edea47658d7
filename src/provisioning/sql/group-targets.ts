/**
 * Which GitLab groups (GitLabGroupTarget) a SCIM group or a SCIM user feeds, as SQL pieces: the one
 * definition of "a mapping rule matches a SCIM group", used by the desired memberships of a target, by
 * the marks that wake targets, and by the SCIM Group extension.
 *
 * A rule matches by the group's displayName (case-insensitive: the stored key), its externalId
 * (exact), or its id (the rules the bridge writes for an unmapped group's subgroup). Written as an OR
 * of equalities so that each side can use its index (GroupMapping's unique key; ScimGroup's
 * (connectionId, displayNameKey), (connectionId, externalId) and primary key). The id is compared both
 * ways: as text for the rule's index, as a uuid for the group's primary key (without it, a target's
 * pass read every SCIM group of the connection to find the one its rule names).
 */
import type { SqlParams } from "../../db/sql-params";
import { MEMBERSHIP_PRIORITY, markSubjectsSql } from "./mark-subjects";

/** SQL boolean: mapping row `m` matches SCIM group row `g`. */
export function mappingMatchesGroupSql(m: string, g: string): string {
  return `(${m}."connectionId" = ${g}."connectionId" AND (
      (${m}."matchBy" = 'displayName' AND ${m}."matchValue" = ${g}."displayNameKey")
      OR (${m}."matchBy" = 'externalId' AND ${m}."matchValue" = ${g}."externalId")
      OR (${m}."matchBy" = 'scimGroupId' AND ${m}."matchValue" = ${g}."id"::text
        AND ${g}."id" = CASE WHEN ${m}."matchBy" = 'scimGroupId' THEN ${m}."matchValue"::uuid END)))`;
}

/**
 * The targets a SCIM user's memberships concern, as rows with "id": the targets of the live groups the
 * user is a member of, and the targets where the bridge manages a membership of the user's GitLab
 * account (a membership to remove after the user left every mapped group).
 */
export function targetsOfUserSql(p: SqlParams, scimUserId: string): string {
  const user = p.uuid(scimUserId);
  return `SELECT m."targetId" AS "id" FROM "ScimGroupMember" gm
      JOIN "ScimGroup" g ON g."id" = gm."groupId" AND g."deletedAt" IS NULL
      JOIN "GroupMapping" m ON ${mappingMatchesGroupSql("m", "g")}
      WHERE gm."userId" = ${user}
    UNION
    SELECT gm."targetId" FROM "GitLabMembership" gm JOIN "GitLabUserLink" l ON l."gitlabUserId" = gm."gitlabUserId" WHERE l."scimUserId" = ${user}`;
}

/** The targets a SCIM group matches now (by the rules as they stand), as rows with "id". */
export function targetsOfGroupSql(p: SqlParams, scimGroupId: string): string {
  return `SELECT m."targetId" AS "id" FROM "ScimGroup" g JOIN "GroupMapping" m ON ${mappingMatchesGroupSql("m", "g")}
    WHERE g."id" = ${p.uuid(scimGroupId)} AND g."deletedAt" IS NULL`;
}

/**
 * Marks targets (rows of `source` with "id") for a membership pass: MEMBERSHIP_PRIORITY, or offboarding
 * priority when `offboarding` (a leaver's memberships go before a bulk import's creates).
 */
export function markTargetsSql(
  p: SqlParams,
  source: string,
  mark: { connectionId: string; requestId?: string | null; offboarding?: boolean; full?: boolean; skipDuePending?: boolean },
  now: Date,
): string {
  return markSubjectsSql(
    p,
    source,
    {
      connectionId: mark.connectionId,
      subjectType: "gitlab_group",
      requestId: mark.requestId ?? undefined,
      offboardingSql: mark.offboarding ? "true" : undefined,
      priority: MEMBERSHIP_PRIORITY,
      full: mark.full,
      skipDuePending: mark.skipDuePending,
    },
    now,
  );
}
