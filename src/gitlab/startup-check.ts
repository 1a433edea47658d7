/**
 * The start-up check of GitLab (issue 10 §1): whose token the bridge holds, whether that user is an
 * administrator (contract §1.1: GET /user shows `"is_admin": true` to admins only), and which GitLab
 * answers (GET /metadata, or /version on GitLab before 15.2).
 *
 * A token GitLab refuses, or a non-administrator's, stops the start: nothing the bridge would do could
 * work, and an operator fixes it in a minute. An unreachable GitLab does not: the IdP must keep being
 * served (its changes are queued in the database), so the start goes on and the check runs again in the
 * background — through the client's breaker, which probes GitLab and lets the check through the moment
 * GitLab answers. A refusal found then is logged as an error and shown in /readyz.
 */
import type { GitLabClient } from "./client";
import { systemGitLabClock, type GitLabClock } from "./clock";
import { GitLabError } from "./errors";
import type { GitLabCheckResult, GitLabStatus } from "./gitlab-status";
import { requireGitLabVersion, requireTokenOwner } from "./instance";

/** The start stops: GitLab refused the token, or it is not an administrator's. The message is the sentence. */
export class GitLabRefusedError extends Error {}

export interface CheckLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface GitLabCheckDeps {
  client: GitLabClient;
  status: GitLabStatus;
  logger: CheckLogger;
  clock?: GitLabClock;
  /** After every successful check (audit "gitlab.connected"); a failure here is logged, not fatal. */
  onConnected?: (result: GitLabCheckResult) => Promise<void>;
  /** How long the start waits for GitLab's first answer, ms (GITLAB_TIMEOUT_MS may be minutes). Default 10 s. */
  firstCheckMaxMs?: number;
}

export interface RunningGitLabCheck {
  /** Stops checking in the background (shutdown); resolves once the background check has ended. */
  stop(): Promise<void>;
}

const FIRST_CHECK_MAX_MS = 10_000;
const RETRY_BASE_MS = 1_000;
const RETRY_CAP_MS = 60_000;

/** One check; a GitLabError becomes a state, anything else (an abort) is thrown. */
export async function checkGitLab(client: GitLabClient, url: string): Promise<GitLabCheckResult> {
  const none = { version: null, revision: null, tokenOwner: null };
  let owner;
  try {
    owner = await requireTokenOwner(client);
  } catch (error) {
    if (!(error instanceof GitLabError)) throw error;
    return { ...none, ...refusal(error, url, "GET /api/v4/user") };
  }
  if (!owner.isAdmin) {
    return {
      ...none,
      tokenOwner: owner.username,
      state: "not_admin",
      message: `GITLAB_TOKEN belongs to GitLab user "${owner.username}", who is not an administrator (GET /api/v4/user shows no "is_admin": true); the bridge needs an administrator's personal access token with the api scope`,
    };
  }
  try {
    const version = await requireGitLabVersion(client);
    return { state: "ok", message: null, version: version.version, revision: version.revision, tokenOwner: owner.username };
  } catch (error) {
    if (!(error instanceof GitLabError)) throw error;
    return { ...none, tokenOwner: owner.username, ...refusal(error, url, "GET /api/v4/metadata") };
  }
}

function refusal(error: GitLabError, url: string, call: string): Pick<GitLabCheckResult, "state" | "message"> {
  if (error.kind === "retryable") return { state: "unreachable", message: `GitLab at ${url} is unreachable: ${error.message}` };
  const said = error.gitlabMessage ? ` (${error.gitlabMessage})` : "";
  if (error.status === 401) {
    return { state: "unauthorized", message: `GitLab at ${url} rejected GITLAB_TOKEN (401 Unauthorized): the token is wrong, expired or revoked; set GITLAB_TOKEN to an administrator's personal access token with the api scope` };
  }
  if (error.status === 403) {
    return { state: "unauthorized", message: `GitLab at ${url} refused GITLAB_TOKEN with 403 Forbidden on ${call}${said}: the token lacks a scope the bridge needs; give it the api scope` };
  }
  return { state: "failed", message: `GitLab at ${url} answered ${call} with ${error.status}${said}; is GITLAB_URL the base URL of a GitLab instance (without /api/v4)?` };
}

const REFUSED = new Set(["unauthorized", "not_admin", "failed"]);

/**
 * Checks GitLab once before the bridge listens: throws GitLabRefusedError when the token is refused or
 * not an administrator's; otherwise resolves, checking again in the background while GitLab is unreachable.
 */
export async function startGitLabCheck(deps: GitLabCheckDeps): Promise<RunningGitLabCheck> {
  const { client, status, logger } = deps;
  const clock = deps.clock ?? systemGitLabClock;
  const url = status.url;
  // The first try does not wait on the breaker, nor longer than firstCheckMaxMs: the IdP is not served
  // until the bridge listens, so the start must not hang on an unreachable GitLab.
  const first = await firstCheck(client, url, deps.firstCheckMaxMs ?? FIRST_CHECK_MAX_MS);
  status.record(first, new Date(clock.now()));
  if (REFUSED.has(first.state)) throw new GitLabRefusedError(first.message!);
  if (first.state === "ok") {
    await connected(deps, first);
    return { stop: async () => undefined };
  }
  logger.warn(
    { gitlabUrl: url, reason: first.message },
    "GitLab is unreachable: the bridge serves SCIM anyway and queues the changes in its database; they are applied once GitLab answers, which is checked in the background",
  );
  const stopping = new AbortController();
  const background = keepChecking(deps, clock, stopping.signal);
  return {
    async stop() {
      stopping.abort();
      await background;
    },
  };
}

async function firstCheck(client: GitLabClient, url: string, maxMs: number): Promise<GitLabCheckResult> {
  const deadline = AbortSignal.timeout(maxMs);
  try {
    return await checkGitLab(client.with({ waitForGitLab: false, maxAttempts: 1, signal: deadline }), url);
  } catch (error) {
    if (!deadline.aborted) throw error;
    return { state: "unreachable", message: `GitLab at ${url} did not answer within ${maxMs / 1000} s`, version: null, revision: null, tokenOwner: null };
  }
}

async function keepChecking(deps: GitLabCheckDeps, clock: GitLabClock, signal: AbortSignal): Promise<void> {
  const { status, logger } = deps;
  // Waits on the breaker: its probes find out when GitLab is back, and the check goes through at once.
  const patient = deps.client.with({ signal });
  for (let tries = 1; !signal.aborted; tries++) {
    let result: GitLabCheckResult;
    try {
      result = await checkGitLab(patient, status.url);
    } catch {
      return; // aborted, or the client closed: the bridge is stopping
    }
    if (signal.aborted) return;
    status.record(result, new Date(clock.now()));
    if (result.state === "ok") return connected(deps, result);
    if (REFUSED.has(result.state)) {
      logger.error({ gitlabUrl: status.url, gitlabStatus: result.state }, `${result.message}. SCIM is still served, but nothing reaches GitLab until this is fixed and the bridge restarted`);
      return;
    }
    // Still unreachable after the client's own retries (e.g. 500s that do not open the breaker).
    try {
      await clock.sleep(Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (tries - 1)), signal);
    } catch {
      return;
    }
  }
}

async function connected(deps: GitLabCheckDeps, result: GitLabCheckResult): Promise<void> {
  deps.logger.info(
    { gitlabUrl: deps.status.url, gitlabVersion: result.version, gitlabRevision: result.revision, tokenOwner: result.tokenOwner },
    "connected to GitLab: the token is an administrator's",
  );
  try {
    await deps.onConnected?.(result);
  } catch (error) {
    deps.logger.error({ err: error }, "could not record the GitLab connection in the audit log");
  }
}
