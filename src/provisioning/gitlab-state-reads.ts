/**
 * The GitLab state of users (see gitlab-user-state.ts) as SQL over user row `u`, in two shapes:
 *  - gitlabStateOfUSql: a select item answering the whole state as JSON, which the stores' single
 *    statements (reads, writes, searches) select alongside the row, so no response needs a second
 *    query. Its lookups are on keys: GitLabUserLink's primary key (scimUserId) and ReconcileItem's
 *    unique (subjectType, subjectId).
 *  - GITLAB_STATE_JOINS_OF_U and GITLAB_STATE_COLUMNS_OF_U: the same state as columns of LEFT JOINs
 *    on those keys, for filters and sorts (query/user-storage.ts). A per-row subquery made
 *    `syncState eq "failed"` over 100,000 users take ~4 s on PostgreSQL; the joins let the planner
 *    hash them (~0.3 s), and PostgreSQL drops them from every statement that does not use them
 *    (a LEFT JOIN on a unique key whose columns are unused), so other lists pay nothing.
 * The one rule for syncState is syncStateSql: responses and filters cannot disagree.
 */

/**
 * The served syncState, from link row `link` (its columns NULL when there is no link) and `queued`,
 * a condition that holds while the user's reconcile item is pending or claimed.
 */
function syncStateSql(link: string, queued: string): string {
  return `CASE WHEN ${queued} THEN 'pending' ELSE COALESCE(${link}."syncState"::text, 'pending') END`;
}

const QUEUE_BUSY = `('pending', 'claimed')`;

/**
 * Select item "gitlab": the state as a JSON object (GitLabUserStateJson). `markedNow` is true when the
 * statement itself marks the user (a write): its own mark is invisible to the statement's snapshot,
 * yet the answer must say pending.
 */
export function gitlabStateOfUSql(options: { markedNow: string } = { markedNow: "FALSE" }): string {
  const queued = `${options.markedNow} OR EXISTS (SELECT 1 FROM "ReconcileItem" ri WHERE ri."subjectType" = 'user' AND ri."subjectId" = u."id" AND ri."state" IN ${QUEUE_BUSY})`;
  return `(SELECT json_build_object('syncState', ${syncStateSql("l", queued)}, 'gitlabUserId', l."gitlabUserId", 'gitlabUsername', l."gitlabUsername",
      'lastError', l."lastError", 'lastSyncedAt', l."lastSyncedAt")
    FROM (VALUES (1)) AS one(x) LEFT JOIN "GitLabUserLink" l ON l."scimUserId" = u."id") AS "gitlab"`;
}

/** FROM-clause joins to user row `u` that GITLAB_STATE_COLUMNS_OF_U read. */
export const GITLAB_STATE_JOINS_OF_U = ` LEFT JOIN "GitLabUserLink" gitlab_link ON gitlab_link."scimUserId" = u."id"
  LEFT JOIN "ReconcileItem" gitlab_item ON gitlab_item."subjectType" = 'user' AND gitlab_item."subjectId" = u."id"`;

/** Each attribute of the state as an expression over GITLAB_STATE_JOINS_OF_U; NULL when unassigned. */
export const GITLAB_STATE_COLUMNS_OF_U = {
  syncState: syncStateSql("gitlab_link", `gitlab_item."state" IN ${QUEUE_BUSY}`),
  gitlabUserId: `gitlab_link."gitlabUserId"`,
  gitlabUsername: `gitlab_link."gitlabUsername"`,
  lastError: `gitlab_link."lastError"`,
  lastSyncedAt: `gitlab_link."lastSyncedAt"`,
} as const;
