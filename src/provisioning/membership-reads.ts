/**
 * Membership reads for responses, one SQL join each (Prisma's nested include costs two queries per
 * relation level, and these sit on the IdP's hot path: every user GET shows its groups). The same two
 * joins come as raw queries for lists of rows, and as JSON subqueries for the stores' single-statement
 * reads and writes, with the same shapes and orders.
 */
import { Prisma, type PrismaClient } from "../generated/prisma/client";

type Reader = Pick<PrismaClient, "$queryRaw"> | Pick<Prisma.TransactionClient, "$queryRaw">;

export interface GroupOfUser {
  userId: string;
  id: string;
  displayName: string;
}

export interface MemberOfGroup {
  groupId: string;
  id: string;
  userName: string;
  displayName: string | null;
}

/** Live groups of each user, ordered by group id. */
export async function groupsOfUsers(db: Reader, userIds: readonly string[]): Promise<Map<string, GroupOfUser[]>> {
  const byUser = new Map<string, GroupOfUser[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return byUser;
  const rows = await db.$queryRaw<GroupOfUser[]>(Prisma.sql`
    SELECT m."userId"::text AS "userId", g."id"::text AS "id", g."displayName" AS "displayName"
    FROM "ScimGroupMember" m JOIN "ScimGroup" g ON g."id" = m."groupId"
    WHERE m."userId" IN (${Prisma.join(userIds.map((id) => Prisma.sql`${id}::uuid`))}) AND g."deletedAt" IS NULL
    ORDER BY g."id"`);
  for (const row of rows) byUser.get(row.userId)?.push(row);
  return byUser;
}

/** Members of each group in the order they were added. */
export async function membersOfGroups(db: Reader, groupIds: readonly string[]): Promise<Map<string, MemberOfGroup[]>> {
  const byGroup = new Map<string, MemberOfGroup[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return byGroup;
  const rows = await db.$queryRaw<MemberOfGroup[]>(Prisma.sql`
    SELECT m."groupId"::text AS "groupId", u."id"::text AS "id", u."userName" AS "userName", u."displayName" AS "displayName"
    FROM "ScimGroupMember" m JOIN "ScimUser" u ON u."id" = m."userId"
    WHERE m."groupId" IN (${Prisma.join(groupIds.map((id) => Prisma.sql`${id}::uuid`))})
    ORDER BY m."createdAt", u."id"`);
  for (const row of rows) byGroup.get(row.groupId)?.push(row);
  return byGroup;
}

/** Subquery: the live groups of user row `u`, as a JSON array ordered by group id (groupsOfUsers' order). */
export const GROUPS_OF_U = `COALESCE((SELECT json_agg(json_build_object('id', g."id", 'displayName', g."displayName") ORDER BY g."id")
    FROM "ScimGroupMember" m JOIN "ScimGroup" g ON g."id" = m."groupId"
    WHERE m."userId" = u."id" AND g."deletedAt" IS NULL), '[]'::json) AS "groups"`;

/**
 * Subquery: members as a JSON array in the order they were added (membersOfGroups' order), from
 * `memberships`, a FROM item with "userId" and "createdAt" columns aliased `after`.
 */
export function membersJsonSql(memberships: string): string {
  return `COALESCE((SELECT json_agg(json_build_object('id', u."id", 'userName', u."userName", 'displayName', u."displayName") ORDER BY after."createdAt", u."id")
      FROM ${memberships} after JOIN "ScimUser" u ON u."id" = after."userId"), '[]'::json) AS "members"`;
}
