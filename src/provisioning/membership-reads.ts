/**
 * The membership pieces of responses, one per direction: a user's groups and a group's members as
 * JSON subqueries that the stores' single statements (reads, writes, searches) select alongside the
 * row, so no response needs a second query (these sit on the IdP's hot path: every user GET shows
 * its groups).
 */

/** Subquery: the live groups of user row `u`, as a JSON array ordered by group id. */
export const GROUPS_OF_U = `COALESCE((SELECT json_agg(json_build_object('id', g."id", 'displayName', g."displayName") ORDER BY g."id")
    FROM "ScimGroupMember" m JOIN "ScimGroup" g ON g."id" = m."groupId"
    WHERE m."userId" = u."id" AND g."deletedAt" IS NULL), '[]'::json) AS "groups"`;

/**
 * Subquery: members as a JSON array in the order they were added, from `memberships`, a FROM item
 * with "userId" and "createdAt" columns aliased `after`. Only live users count: on PostgreSQL a member
 * add that commits while a delete of that user is already running escapes the delete's snapshot, and
 * the membership row of the tombstone it leaves is no member of anything.
 */
export function membersJsonSql(memberships: string): string {
  return `COALESCE((SELECT json_agg(json_build_object('id', u."id", 'userName', u."userName", 'displayName', u."displayName") ORDER BY after."createdAt", u."id")
      FROM ${memberships} after JOIN "ScimUser" u ON u."id" = after."userId" AND u."deletedAt" IS NULL), '[]'::json) AS "members"`;
}

/** Subquery: the members of group row `g`, as membersJsonSql gives them. */
export const MEMBERS_OF_G = membersJsonSql(`(SELECT "userId", "createdAt" FROM "ScimGroupMember" WHERE "groupId" = g."id")`);
