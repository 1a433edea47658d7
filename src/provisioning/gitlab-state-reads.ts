/**
 * The GitLab state of users (see gitlab-user-state.ts) as SQL pieces over user row `u`, selected
 * alongside the row by the stores' single statements (reads, writes, searches) and used as filter
 * and sort columns (query/user-storage.ts), so no response needs a second query. Both lookups are
 * on keys: GitLabUserLink's primary key (scimUserId) and ReconcileItem's unique (subjectType, subjectId).
 * The one rule for syncState is syncStateSql: responses and filters cannot disagree.
 */

/** FROM items: one row with the user's link as `l` (every column NULL when there is no link). */
const LINK_OF_U = `(VALUES (1)) AS one(x) LEFT JOIN "GitLabUserLink" l ON l."scimUserId" = u."id"`;

/** The user has reconcile work waiting or running: the desired state has not reached GitLab yet. */
const QUEUED_U = `EXISTS (SELECT 1 FROM "ReconcileItem" ri WHERE ri."subjectType" = 'user' AND ri."subjectId" = u."id" AND ri."state" IN ('pending', 'claimed'))`;

/**
 * The served syncState, from link row `l`. `markedNow` is true when the statement itself marks the
 * user (a write): its own mark is invisible to the statement's snapshot, yet the answer must say pending.
 */
function syncStateSql(markedNow: string): string {
  return `CASE WHEN ${markedNow} OR ${QUEUED_U} THEN 'pending' ELSE COALESCE(l."syncState"::text, 'pending') END`;
}

/** Select item "gitlab": the state as a JSON object (GitLabUserStateJson). */
export function gitlabStateOfUSql(options: { markedNow: string } = { markedNow: "FALSE" }): string {
  return `(SELECT json_build_object('syncState', ${syncStateSql(options.markedNow)}, 'gitlabUserId', l."gitlabUserId", 'gitlabUsername', l."gitlabUsername",
      'lastError', l."lastError", 'lastSyncedAt', l."lastSyncedAt") FROM ${LINK_OF_U}) AS "gitlab"`;
}

/** Expressions of each attribute of user row `u`, for filters and sorts; NULL when unassigned. */
export const GITLAB_STATE_COLUMNS_OF_U = {
  syncState: `(SELECT ${syncStateSql("FALSE")} FROM ${LINK_OF_U})`,
  gitlabUserId: linkColumn("gitlabUserId"),
  gitlabUsername: linkColumn("gitlabUsername"),
  lastError: linkColumn("lastError"),
  lastSyncedAt: linkColumn("lastSyncedAt"),
} as const;

function linkColumn(name: string): string {
  return `(SELECT l."${name}" FROM "GitLabUserLink" l WHERE l."scimUserId" = u."id")`;
}
