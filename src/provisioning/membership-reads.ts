/**
 * Membership reads for responses, one SQL join each (Prisma's nested include costs two queries per
 * relation level, and these sit on the IdP's hot path: every user GET shows its groups).
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
