/**
 * The GitLab state of users (see gitlab-user-state.ts) as SQL over user row `u`: two LEFT JOINs on
 * keys (GitLabUserLink's primary key scimUserId, ReconcileItem's unique (subjectType, subjectId)),
 * which every statement that answers users adds to its FROM, and expressions over them:
 *  - gitlabStateSelectSql, the select item answering the whole state as JSON beside the row (reads,
 *    writes and searches alike), so no response needs a second query;
 *  - GITLAB_STATE_COLUMNS_OF_U, each attribute for filters and sorts (query/user-storage.ts).
 * Joins rather than per-row subqueries: `syncState eq "failed"` over 100,000 users took ~4 s on
 * PostgreSQL as a subquery per user and ~0.3 s as hashed joins, and a GET by id is ~0.06 ms cheaper
 * on PGlite. PostgreSQL drops a LEFT JOIN on a unique key whose columns a statement does not use, so
 * statements that show no GitLab state (a count, a page's ids without such a filter) pay nothing.
 * The one rule for syncState is syncStateSql: responses and filters cannot disagree.
 */

/** FROM-clause joins to user row `u`: its link (`gitlab_link`) and its reconcile item (`gitlab_item`), each at most one row. */
export const GITLAB_STATE_JOINS_OF_U = ` LEFT JOIN "GitLabUserLink" gitlab_link ON gitlab_link."scimUserId" = u."id"
  LEFT JOIN "ReconcileItem" gitlab_item ON gitlab_item."subjectType" = 'user' AND gitlab_item."subjectId" = u."id"`;

/**
 * The served syncState: held while the item waits on a mass-change hold (issue 11 item 7: pending, no
 * due time, a hold), pending while the item is otherwise pending or claimed (or `markedNow` holds),
 * else the link's, else (no link yet) pending.
 */
function syncStateSql(markedNow: string): string {
  const held = `gitlab_item."state" = 'pending' AND gitlab_item."nextAttemptAt" IS NULL AND gitlab_item."holdId" IS NOT NULL`;
  return `CASE WHEN ${markedNow} THEN 'pending' WHEN ${held} THEN 'held' WHEN gitlab_item."state" IN ('pending', 'claimed') THEN 'pending' ELSE COALESCE(gitlab_link."syncState"::text, 'pending') END`;
}

/** Each attribute of the state as an expression over GITLAB_STATE_JOINS_OF_U; NULL when unassigned. */
export const GITLAB_STATE_COLUMNS_OF_U = {
  syncState: syncStateSql("FALSE"),
  gitlabUserId: `gitlab_link."gitlabUserId"`,
  gitlabUsername: `gitlab_link."gitlabUsername"`,
  lastError: `gitlab_link."lastError"`,
  lastSyncedAt: `gitlab_link."lastSyncedAt"`,
} as const;

/**
 * Select item "gitlab" (needs GITLAB_STATE_JOINS_OF_U): the state as a JSON object (GitLabUserStateJson).
 * `markedNow` is true when the statement itself marks the user (a write): its own mark is invisible to
 * the statement's snapshot, yet the answer must say pending.
 */
export function gitlabStateSelectSql(options: { markedNow: string } = { markedNow: "FALSE" }): string {
  const c = GITLAB_STATE_COLUMNS_OF_U;
  return `json_build_object('syncState', ${syncStateSql(options.markedNow)}, 'gitlabUserId', ${c.gitlabUserId}, 'gitlabUsername', ${c.gitlabUsername},
    'lastError', ${c.lastError}, 'lastSyncedAt', ${c.lastSyncedAt}) AS "gitlab"`;
}
