/**
 * The one error type of GitLab calls, and the rule that sorts every failure into one of two kinds:
 * - retryable: the network failed (refused, reset, timed out), GitLab answered 5xx, or 429;
 * - permanent: any other 4xx (and a multi-user member add whose 201 body says "status":"error"), with
 *   GitLab's own message kept from whichever of its envelopes it used (contract §0.1).
 * `gitLabWide` marks the failures that say GitLab as a whole is down or throttling (network, timeout,
 * 502/503/504, Rack::Attack's 429): those feed the breaker, while a 500 on one endpoint or a
 * per-endpoint 429 (members_delete, contract §6) concern only that call.
 *
 * Nothing here holds the token: errors carry the method, the path we built, the status and GitLab's
 * text, and the caller's `redact` runs over GitLab's text before it is kept.
 */
import type { AnswerHeaders } from "./transport";

export type GitLabErrorKind = "retryable" | "permanent";

export type GitLabFailure =
  | "network"
  | "timeout"
  | "server_error"
  | "rate_limited"
  | "conflict"
  | "client_error"
  | "batch_error"
  /** The breaker is open and the caller asked not to wait for GitLab. */
  | "unavailable";

export interface GitLabErrorDetails {
  kind: GitLabErrorKind;
  reason: GitLabFailure;
  method: string;
  path: string;
  status: number | null;
  gitlabMessage: string | null;
  retryAfterMs: number | null;
  gitLabWide: boolean;
  /** The socket-level code of a network failure (ECONNREFUSED, ECONNRESET…). */
  code?: string;
}

export class GitLabError extends Error {
  readonly kind: GitLabErrorKind;
  readonly reason: GitLabFailure;
  readonly method: string;
  readonly path: string;
  readonly status: number | null;
  readonly gitlabMessage: string | null;
  readonly retryAfterMs: number | null;
  readonly gitLabWide: boolean;
  readonly code: string | undefined;

  constructor(d: GitLabErrorDetails) {
    super(describe(d));
    this.name = "GitLabError";
    this.kind = d.kind;
    this.reason = d.reason;
    this.method = d.method;
    this.path = d.path;
    this.status = d.status;
    this.gitlabMessage = d.gitlabMessage;
    this.retryAfterMs = d.retryAfterMs;
    this.gitLabWide = d.gitLabWide;
    this.code = d.code;
  }

  get retryable(): boolean {
    return this.kind === "retryable";
  }
}

function describe(d: GitLabErrorDetails): string {
  const call = `GitLab ${d.method} ${d.path}`;
  if (d.status === null) return `${call} failed: ${d.reason === "timeout" ? "no answer in time" : d.reason === "unavailable" ? "GitLab is unavailable (breaker open)" : `network error ${d.code ?? ""}`.trim()}`;
  return `${call} answered ${d.status}${d.gitlabMessage ? `: ${d.gitlabMessage}` : ""}`;
}

/** GitLab's message from any of its error envelopes (contract §0.1), or a short text/HTML answer. */
export function gitlabMessageOf(body: unknown, text: string): string | null {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const message = b.message;
    if (typeof message === "string") return message;
    if (message && typeof message === "object") {
      const m = message as Record<string, unknown>;
      if (typeof m.error === "string") return m.error; // application rate limiter
      // render_validation_error!: {"field": ["msg", …]}
      return Object.entries(m).map(([field, msgs]) => `${field} ${Array.isArray(msgs) ? msgs.join(", ") : String(msgs)}`).join("; ");
    }
    if (typeof b.error === "string") return typeof b.error_description === "string" ? `${b.error}: ${b.error_description}` : b.error;
    return null;
  }
  const title = /<title>([^<]*)<\/title>/i.exec(text);
  if (title) return title[1].trim();
  const trimmed = text.trim();
  return trimmed === "" ? null : trimmed.slice(0, 200);
}

/** Retry-After (seconds or an HTTP date), else RateLimit-Reset (Unix seconds) on a 429; in ms from now. */
export function retryAfterMsOf(status: number, headers: AnswerHeaders, nowMs: number): number | null {
  const retryAfter = headers.get("retry-after");
  if (retryAfter !== null && retryAfter.trim() !== "") {
    if (/^\d+$/.test(retryAfter.trim())) return Number(retryAfter) * 1000;
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - nowMs);
  }
  const reset = headers.get("ratelimit-reset");
  if (status === 429 && reset !== null && /^\d+$/.test(reset.trim())) return Math.max(0, Number(reset) * 1000 - nowMs);
  return null;
}

/**
 * contract §6 / §9.14: Rack::Attack's global throttle answers plain text and names itself in
 * RateLimit-Name; the per-endpoint limiters answer JSON without those headers.
 */
function isGlobalThrottle(headers: AnswerHeaders): boolean {
  return headers.has("ratelimit-name") || !(headers.get("content-type") ?? "").includes("json");
}

/** Classifies an HTTP answer GitLab gave with a status the operation does not accept. */
export function errorFromAnswer(method: string, path: string, status: number, headers: AnswerHeaders, body: unknown, text: string, nowMs: number, redact: (s: string) => string): GitLabError {
  const raw = gitlabMessageOf(body, text);
  const gitlabMessage = raw === null ? null : redact(raw);
  const retryAfterMs = retryAfterMsOf(status, headers, nowMs);
  const base = { method, path, status, gitlabMessage, retryAfterMs };
  if (status === 429) return new GitLabError({ ...base, kind: "retryable", reason: "rate_limited", gitLabWide: isGlobalThrottle(headers) });
  if (status >= 500) return new GitLabError({ ...base, kind: "retryable", reason: "server_error", gitLabWide: status === 502 || status === 503 || status === 504 });
  return new GitLabError({ ...base, kind: "permanent", reason: status === 409 ? "conflict" : "client_error", gitLabWide: false });
}
