/**
 * The end of a reconcile pass as the admins and the IdP see it: the link's syncState (pending, synced,
 * failed, conflict), lastError and, when it is synced, lastSyncedAt; the row is created if the user has none
 * yet (a conflict before any link). A CTE body, composed by the reconciler with the queue transition
 * that ends its claim (src/reconcile/sql/settle-user.ts), so the two commit together and only while the
 * claim is still the worker's (`guard`: a CTE that has a row then).
 */
import type { SqlParams } from "../../db/sql-params";

export interface SyncStateChange {
  /** SQL text expression of the state (it may read the guard CTE), e.g. `'synced'`. */
  syncStateSql: string;
  lastError: string | null;
}

export function userLinkSyncStateSql(p: SqlParams, subject: { scimUserId: string; connectionId: string }, change: SyncStateChange, guard: string, now: Date): string {
  const at = p.timestamp(now);
  const state = `(${change.syncStateSql})::"GitLabSyncState"`;
  return `INSERT INTO "GitLabUserLink" ("scimUserId", "connectionId", "syncState", "lastError", "lastSyncedAt", "updatedAt")
      SELECT ${p.uuid(subject.scimUserId)}, ${p.uuid(subject.connectionId)}, ${state}, ${p.add(change.lastError)}, CASE WHEN ${state} = 'synced' THEN ${at} END, ${at}
      WHERE EXISTS (SELECT 1 FROM ${guard}) AND EXISTS (SELECT 1 FROM "ScimUser" WHERE "id" = ${p.uuid(subject.scimUserId)})
      ON CONFLICT ("scimUserId") DO UPDATE SET "syncState" = EXCLUDED."syncState", "lastError" = EXCLUDED."lastError",
        "lastSyncedAt" = COALESCE(EXCLUDED."lastSyncedAt", "GitLabUserLink"."lastSyncedAt"), "updatedAt" = EXCLUDED."updatedAt"`;
}
