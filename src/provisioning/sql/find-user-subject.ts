/**
 * Everything a user reconciler reads before planning, one statement: the SCIM user as desired
 * (tombstones included), its primary email, its connection's name and stored settings, and its
 * applied state (GitLabUserLink, if any). Null when the user row is gone altogether.
 *
 * The reconcile workers do not run it on its own: the claim that takes a user's item reads the same
 * row in the same statement (claimedUserSubjectSql, used by src/reconcile/sql/claim.ts), so a pass
 * starts with one round trip instead of two. `plan` (dirty-plans.ts) reads it alone.
 */
import type { SqlRunner } from "../../db/sql-runner";
import type { AppliedUser, DesiredUser } from "../gitlab-user-state";

export interface UserSubject {
  desired: DesiredUser;
  applied: AppliedUser | null;
  connectionName: string;
  /** Connection.settings as stored (read with readSettings). */
  storedSettings: unknown;
}

/** The statement's row: the desired user (its id as "id"), the applied columns, and the connection's. */
type Timestamp = "deletedAt" | "lastSyncedAt" | "tokensRevokedAt" | "gitlabDeletedAt";
type Row = Omit<DesiredUser, "scimUserId" | Timestamp> &
  Omit<AppliedUser, Timestamp> & { [K in Timestamp]: Date | string | null } & {
    id: string;
    connectionName: string;
    settings: unknown;
    /** A GitLabUserLink row exists (its columns are all null otherwise). */
    linked: boolean;
  };

/** The statement's row, as the driver or the claim's JSON gives it. */
export type UserSubjectRow = Row;

export const USER_SUBJECT_SQL = `SELECT u."id", u."connectionId", u."userName", u."externalId", u."displayName", u."givenName", u."familyName", u."active", u."deletedAt",
    (SELECT e."value" FROM "ScimUserEmail" e WHERE e."userId" = u."id" ORDER BY e."primary" DESC, e."id" LIMIT 1) AS "email",
    c."name" AS "connectionName", c."settings",
    l."scimUserId" IS NOT NULL AS "linked", l."gitlabUserId", l."gitlabUsername", l."linkedBy"::text AS "linkedBy", l."syncState"::text AS "syncState",
    l."lastError", l."lastSyncedAt", l."appliedName", l."appliedEmail", l."appliedProvider", l."appliedExternUid",
    l."stateByBridge"::text AS "stateByBridge", l."tokensRevokedAt", l."gitlabDeletedAt", l."appliedActive"
  FROM "ScimUser" u JOIN "Connection" c ON c."id" = u."connectionId" LEFT JOIN "GitLabUserLink" l ON l."scimUserId" = u."id"`;

export async function findUserSubject(runner: SqlRunner, scimUserId: string): Promise<UserSubject | null> {
  const [row] = await runner.query<Row>(`${USER_SUBJECT_SQL} WHERE u."id" = $1::uuid`, [scimUserId]);
  return row ? toUserSubject(row) : null;
}

/**
 * The subject of a claimed item `item` (a CTE row with "subjectType" and "subjectId"), as one jsonb
 * column "user": the row above for a user's item, null for other subjects and for a user row that is
 * gone. JSON keeps its columns apart from the item's (both have "id", "connectionId", "lastError"…).
 */
export function claimedUserSubjectSql(item: string): string {
  return `(SELECT to_jsonb(s) FROM (${USER_SUBJECT_SQL} WHERE ${item}."subjectType" = 'user' AND u."id" = ${item}."subjectId") s)`;
}

/** A timestamp as the driver gives it, or as JSON carries it (claimedUserSubjectSql). */
function date(value: Date | string | null): Date | null {
  return value === null || value instanceof Date ? value : new Date(value);
}

export function toUserSubject(row: UserSubjectRow): UserSubject {
  return {
    desired: {
      scimUserId: row.id,
      connectionId: row.connectionId,
      userName: row.userName,
      externalId: row.externalId,
      displayName: row.displayName,
      givenName: row.givenName,
      familyName: row.familyName,
      email: row.email,
      active: row.active,
      deletedAt: date(row.deletedAt),
    },
    applied: row.linked
      ? {
          gitlabUserId: row.gitlabUserId,
          gitlabUsername: row.gitlabUsername,
          linkedBy: row.linkedBy,
          syncState: row.syncState,
          lastError: row.lastError,
          lastSyncedAt: date(row.lastSyncedAt),
          appliedName: row.appliedName,
          appliedEmail: row.appliedEmail,
          appliedProvider: row.appliedProvider,
          appliedExternUid: row.appliedExternUid,
          stateByBridge: row.stateByBridge,
          tokensRevokedAt: date(row.tokensRevokedAt),
          gitlabDeletedAt: date(row.gitlabDeletedAt),
          appliedActive: row.appliedActive,
        }
      : null,
    connectionName: row.connectionName,
    storedSettings: row.settings,
  };
}
