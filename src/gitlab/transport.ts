/**
 * One HTTP exchange with GitLab's REST API v4 on Node's fetch (undici): the URL, the PRIVATE-TOKEN
 * header, a JSON body, and a timeout on every call (an AbortSignal fired by our timer or by the
 * caller's signal). It answers with the status, headers and parsed body, or throws a GitLabError for
 * a network failure or a timeout; deciding what a status means is the client's job, not this one's.
 *
 * The token lives only in this closure: no object the bridge can log or inspect holds it, and
 * `redact` strips it from any text that came back from the network.
 */
import { GitLabError } from "./errors";

export interface GitLabRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Path below /api/v4, with any path parameter already encoded, e.g. /groups/eng%2Fbackend. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: Record<string, unknown>;
}

export interface GitLabAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body: unknown;
  text: string;
}

export interface Transport {
  send(request: GitLabRequest, signal?: AbortSignal): Promise<GitLabAnswer>;
  redact(text: string): string;
}

/** The path as audit records and errors show it: /api/v4/… with the query string. */
export function displayPath(request: GitLabRequest): string {
  const query = queryString(request.query);
  return `/api/v4${request.path}${query ? `?${query}` : ""}`;
}

function queryString(query: GitLabRequest["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  return params.toString();
}

export function createTransport(options: { url: string; token: string; timeoutMs: number }): Transport {
  const base = options.url.replace(/\/+$/, "");
  const token = options.token;
  const redact = (text: string) => (token === "" ? text : text.split(token).join("[redacted]"));

  return {
    redact,
    async send(request, signal) {
      // One controller per call, fired by our timer or the caller's signal. Not AbortSignal.any: with a
      // long-lived caller signal (a worker's) it keeps every combined signal alive (nodejs/node#55351).
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, options.timeoutMs);
      const onAbort = () => controller.abort(signal!.reason);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
      const headers: Record<string, string> = { "private-token": token, accept: "application/json" };
      let body: string | undefined;
      if (request.body !== undefined) {
        headers["content-type"] = "application/json";
        body = JSON.stringify(request.body);
      }
      const failure = (reason: "network" | "timeout", code?: string) =>
        new GitLabError({ kind: "retryable", reason, method: request.method, path: displayPath(request), status: null, gitlabMessage: null, retryAfterMs: null, gitLabWide: true, code });
      try {
        const query = queryString(request.query);
        const res = await fetch(`${base}/api/v4${request.path}${query ? `?${query}` : ""}`, { method: request.method, headers, body, signal: controller.signal });
        const text = await res.text();
        let parsed: unknown = text;
        if ((res.headers.get("content-type") ?? "").includes("json") && text !== "") {
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = text; // a proxy's broken JSON: keep the text, the status decides
          }
        }
        return { status: res.status, headers: res.headers, body: parsed, text };
      } catch (e) {
        // The caller's own abort is not GitLab's failure: it goes back as it came.
        if (signal?.aborted) throw signal.reason;
        if (timedOut) throw failure("timeout");
        throw failure("network", networkCode(e));
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      }
    },
  };
}

/** undici wraps the socket error: TypeError("fetch failed") with `cause.code`. Only the code is kept. */
function networkCode(e: unknown): string | undefined {
  const cause = (e as { cause?: { code?: unknown } } | null)?.cause;
  const code = cause?.code ?? (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
