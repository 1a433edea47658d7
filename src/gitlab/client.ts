/**
 * The GitLab REST client: every call goes through one visible pipeline of steps,
 *   breaker (wait while GitLab is down or throttling) → pacing (RateLimit-*, and the per-endpoint limits
 *   GitLab does not report: endpoint-windows.ts) → concurrency slot →
 *   transport (timeout) → classify → record the outcome → retry or return,
 * and leaves one outcome record (method, path, status, duration, outcome, error kind) with the
 * caller's `onCall` — the audit trail of every GitLab call.
 *
 * Why our own small client rather than gitbeaker: gitbeaker's default requester retries 429 and 502
 * after a few milliseconds and ignores Retry-After, which is exactly what a bridge bursting thousands
 * of changes must not do; with our own requester we would still carry its whole API surface for the
 * twenty calls we need. A typed client on Node 20's fetch keeps each call's contract lines next to it
 * (the operation modules) and needs no package.
 *
 * Retries: a retryable failure is retried after Retry-After (else exponential backoff with full
 * jitter) up to `maxAttempts`. A GitLab-wide failure that leaves the breaker open is not counted: the
 * caller waits on the breaker instead, so an outage costs no call its attempts. Permanent errors are
 * thrown at once. Statuses an operation treats as an answer (`accept`, e.g. 404 on a removal) are
 * returned, not thrown, and recorded as successes.
 *
 * Per-caller context: `onCall` runs inside the caller's async context, so a reconciler that runs a
 * subject's work in an AsyncLocalStorage gets its correlation id there; `with({ signal })` gives a view
 * of the same client (same breaker, slots and pacing) whose calls all carry those options, so the
 * operations need no extra parameters for shutdown or start-up checks.
 */
import { GitLabBreaker, type BreakerState, type ProbeResult } from "./breaker";
import { systemGitLabClock, type GitLabClock } from "./clock";
import { ConcurrencyLimit } from "./concurrency";
import { errorFromAnswer, GitLabError } from "./errors";
import { EndpointWindows, type EndpointLimitName } from "./endpoint-windows";
import { RateLimitPacer } from "./pacer";
import { createTransport, displayPath, type GitLabAnswer, type GitLabRequest, type Transport } from "./transport";

/** One GitLab call as the audit log records it. */
export interface GitLabCallRecord {
  method: string;
  /** /api/v4/… with the query string; never the token. */
  path: string;
  status: number | null;
  durationMs: number;
  outcome: "success" | "failure";
  errorKind: "retryable" | "permanent" | null;
  /** Why it failed (network, timeout, rate_limited…), null on success. */
  reason: string | null;
  /** GitLab's own message on a failure (redacted), null on success. */
  gitlabMessage: string | null;
  /** 1 for the first try of a call, 2 for its first retry… */
  attempt: number;
  /** The breaker's probe rather than an operation's call. */
  probe: boolean;
}

export interface GitLabClientLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface GitLabClientOptions {
  url: string;
  token: string;
  /** Per call, ms (GITLAB_TIMEOUT_MS). */
  timeoutMs: number;
  /** Calls in flight at most (GITLAB_CONCURRENCY). */
  concurrency: number;
  /** Tries per call for failures that do not open the breaker. Default 3. */
  maxAttempts?: number;
  clock?: GitLabClock;
  /** 0 ≤ r < 1, for backoff jitter. */
  random?: () => number;
  onCall?: (record: GitLabCallRecord) => void;
  logger?: GitLabClientLogger;
  breaker?: { failureThreshold?: number; minCooldownMs?: number; maxCooldownMs?: number };
  /** Share of RateLimit-Limit below which calls are spread until the reset. Default 0.5. */
  pacingLowWater?: number;
  /** Calls per minute per key of GitLab's per-endpoint limits (contract §6); missing or 0 = not paced. */
  endpointLimits?: Partial<Record<EndpointLimitName, number>>;
}

export interface CallOptions {
  /** Statuses the operation handles itself (returned, recorded as success). 2xx always are. */
  accept?: readonly number[];
  signal?: AbortSignal;
  /** false: fail at once with reason "unavailable" while the breaker is open (start-up checks). */
  waitForGitLab?: boolean;
  /** Overrides the client's maxAttempts for this call. */
  maxAttempts?: number;
  /**
   * For answers whose success status can carry a failure (a multi-user member add answers 201
   * {"status":"error"}, contract §4.3): GitLab's message when the body says it failed, else null.
   */
  failureInBody?: (body: unknown) => string | null;
  /** The call counts against a per-endpoint limit of GitLab's, per key (e.g. members_delete per group). */
  endpointLimit?: { name: EndpointLimitName; key: string };
}

export interface GitLabClient {
  call(request: GitLabRequest, options?: CallOptions): Promise<GitLabAnswer>;
  /** Every page of a list (per_page=100, following x-next-page, contract §5). */
  listAll<T>(path: string, query?: GitLabRequest["query"], options?: CallOptions): Promise<T[]>;
  /** The same client, every call of it carrying these options (an operation's own options win). */
  with(defaults: Pick<CallOptions, "signal" | "waitForGitLab" | "maxAttempts">): GitLabClient;
  readonly breakerState: BreakerState;
  /** Stops the breaker's probes and fails calls waiting on it. */
  close(): void;
}

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;

export function createGitLabClient(options: GitLabClientOptions): GitLabClient {
  const clock = options.clock ?? systemGitLabClock;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 3;
  const transport: Transport = createTransport({ url: options.url, token: options.token, timeoutMs: options.timeoutMs });
  const limit = new ConcurrencyLimit(options.concurrency);
  const pacer = new RateLimitPacer(options.pacingLowWater ?? 0.5);
  const windows = new EndpointWindows(options.endpointLimits ?? {});
  const breaker = new GitLabBreaker({
    clock,
    probe,
    failureThreshold: options.breaker?.failureThreshold ?? 3,
    minCooldownMs: options.breaker?.minCooldownMs ?? 1_000,
    maxCooldownMs: options.breaker?.maxCooldownMs ?? 30_000,
    onStateChange: (state, detail) => {
      if (state === "open") options.logger?.warn({ gitlab: options.url, ...detail }, "GitLab is unavailable or throttling: GitLab calls wait until a probe gets an answer");
      if (state === "closed") options.logger?.info({ gitlab: options.url }, "GitLab answers again: GitLab calls resume");
    },
  });

  /** One exchange: the answer, or the classified failure; recorded either way. */
  async function exchange(request: GitLabRequest, o: CallOptions, attempt: number, isProbe: boolean): Promise<GitLabAnswer | GitLabError> {
    const started = performance.now();
    let result: GitLabAnswer | GitLabError;
    try {
      const answer = await transport.send(request, o.signal);
      pacer.observe(answer.headers);
      const ok = (answer.status >= 200 && answer.status < 300) || (o.accept ?? []).includes(answer.status);
      result = ok ? answer : errorFromAnswer(request.method, displayPath(request), answer.status, answer.headers, answer.body, answer.text, clock.now(), transport.redact);
      const inBody = ok && answer.status < 300 ? o.failureInBody?.(answer.body) ?? null : null;
      if (inBody !== null) {
        result = new GitLabError({ kind: "permanent", reason: "batch_error", method: request.method, path: displayPath(request), status: answer.status, gitlabMessage: transport.redact(inBody), retryAfterMs: null, gitLabWide: false });
      }
    } catch (e) {
      if (!(e instanceof GitLabError)) throw e; // the caller's abort
      result = e;
    }
    const failed = result instanceof GitLabError;
    options.onCall?.({
      method: request.method,
      path: displayPath(request),
      status: failed ? (result as GitLabError).status : (result as GitLabAnswer).status,
      durationMs: Math.round(performance.now() - started),
      outcome: failed ? "failure" : "success",
      errorKind: failed ? (result as GitLabError).kind : null,
      reason: failed ? (result as GitLabError).reason : null,
      gitlabMessage: failed ? (result as GitLabError).gitlabMessage : null,
      attempt,
      probe: isProbe,
    });
    return result;
  }

  /** GET /version (in the OpenAPI subset, cheap, any token): did GitLab answer at all? */
  async function probe(): Promise<ProbeResult> {
    const result = await exchange({ method: "GET", path: "/version" }, {}, 1, true);
    if (result instanceof GitLabError && result.gitLabWide) return { answered: false, retryAfterMs: result.retryAfterMs };
    return { answered: true };
  }

  function backoffMs(failures: number): number {
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (failures - 1));
    return Math.round(ceiling * (0.5 + random() / 2));
  }

  async function call(request: GitLabRequest, o: CallOptions = {}): Promise<GitLabAnswer> {
    const attempts = o.maxAttempts ?? maxAttempts;
    const wait = o.waitForGitLab ?? true;
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      if (!wait && breaker.state !== "closed") {
        throw new GitLabError({ kind: "retryable", reason: "unavailable", method: request.method, path: displayPath(request), status: null, gitlabMessage: null, retryAfterMs: null, gitLabWide: true });
      }
      await breaker.pass(o.signal);
      await clock.sleep(pacer.reserve(clock.now()), o.signal);
      if (o.endpointLimit) await clock.sleep(windows.waitMs(o.endpointLimit.name, o.endpointLimit.key, clock.now()), o.signal);
      const release = await limit.acquire(o.signal);
      // The breaker may have opened while this call queued for a slot: then it waits, unsent.
      if (wait && breaker.state !== "closed") {
        release();
        attempt--;
        continue;
      }
      // Other calls of a paced endpoint may have taken the window while this one queued: look again.
      if (o.endpointLimit) {
        if (windows.waitMs(o.endpointLimit.name, o.endpointLimit.key, clock.now()) > 0) {
          release();
          attempt--;
          continue;
        }
        windows.take(o.endpointLimit.name, o.endpointLimit.key, clock.now());
      }
      let result: GitLabAnswer | GitLabError;
      try {
        result = await exchange(request, o, attempt, false);
      } finally {
        release();
      }
      if (!(result instanceof GitLabError)) {
        breaker.recordAnswer();
        return result;
      }
      if (result.gitLabWide) breaker.recordUnavailable(result.retryAfterMs, result.reason === "rate_limited");
      else breaker.recordAnswer();
      if (result.kind === "permanent") throw result;
      if (wait && result.gitLabWide && breaker.state !== "closed") continue; // wait on the breaker, not counted
      failures++;
      if (failures >= attempts) throw result;
      await clock.sleep(result.retryAfterMs ?? backoffMs(failures), o.signal);
    }
  }

  async function listAll<T>(path: string, query: GitLabRequest["query"] = {}, o: CallOptions = {}): Promise<T[]> {
    const rows: T[] = [];
    for (let page = 1; ; ) {
      const answer = await call({ method: "GET", path, query: { ...query, per_page: 100, page } }, o);
      if (!Array.isArray(answer.body)) throw new GitLabError({ kind: "permanent", reason: "client_error", method: "GET", path: displayPath({ method: "GET", path, query }), status: answer.status, gitlabMessage: "expected a JSON array", retryAfterMs: null, gitLabWide: false });
      rows.push(...(answer.body as T[]));
      const next = answer.headers.get("x-next-page");
      if (!next || !/^\d+$/.test(next) || Number(next) <= page) return rows;
      page = Number(next);
    }
  }

  function view(defaults: CallOptions): GitLabClient {
    return {
      call: (request, o) => call(request, { ...defaults, ...o }),
      listAll: (path, query, o) => listAll(path, query, { ...defaults, ...o }),
      with: (more) => view({ ...defaults, ...more }),
      get breakerState() {
        return breaker.state;
      },
      close: () => breaker.dispose(),
    };
  }

  return view({});
}
