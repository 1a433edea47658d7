/**
 * Group members must be live users of the group's connection. A group write holds the users it adds
 * (FOR SHARE: a concurrent delete of one of them waits, then sees the membership) and proceeds only if
 * it found them all; when it did not, `requireLiveUsers` names the ids that are not.
 */
import type { Database } from "../../db/database";
import type { SqlParams } from "../../db/sql-params";
import { ProvisioningError } from "../provisioning-error";
import { isUuid } from "../uuid";

/** Ids as stored (lower case), duplicates dropped, in first-seen order. */
export function memberIdsAsStored(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.toLowerCase()))];
}

/**
 * CTE body: the live users of the connection among `ids` (non-UUIDs name no user). Compare its count
 * with `ids.length` (the placeholder `expected` returned) to know whether every id was found.
 */
export function knownUsersSql(p: SqlParams, connectionId: string, ids: readonly string[]): { sql: string; expected: string } {
  return {
    sql: `SELECT "id" FROM "ScimUser" WHERE "connectionId" = ${p.uuid(connectionId)} AND "deletedAt" IS NULL AND "id" = ANY(${p.add(ids.filter(isUuid))}::uuid[]) FOR SHARE`,
    expected: `${p.add(ids.length)}::int`,
  };
}

/** Throws unknownMembers naming every id that is not a live user of the connection. */
export async function requireLiveUsers(db: Database, connectionId: string, ids: readonly string[]): Promise<void> {
  const uuids = ids.filter(isUuid);
  const found = uuids.length
    ? await db.direct.query<{ id: string }>(`SELECT "id" FROM "ScimUser" WHERE "connectionId" = $1::uuid AND "deletedAt" IS NULL AND "id" = ANY($2::uuid[])`, [connectionId, uuids])
    : [];
  const known = new Set(found.map((u) => u.id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new ProvisioningError("unknownMembers", `Unknown member id(s), not users of this connection: ${unknown.join(", ")}`, { ids: unknown });
  }
}
