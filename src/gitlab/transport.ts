/**
 * One HTTP exchange with GitLab's REST API v4 on Node's http/https clients: the URL, the PRIVATE-TOKEN
 * header, a JSON body, and a timeout on every call (an AbortSignal fired by our timer or by the
 * caller's signal). It answers with the status, headers and parsed body, or throws a GitLabError for
 * a network failure or a timeout; deciding what a status means is the client's job, not this one's.
 *
 * Not fetch: measured against the emulator from another process (4,000 POST /users, 8 at once), fetch
 * cost 0.49-0.55 ms of the bridge's one thread per call and http.request 0.19-0.20 ms; with 11,500
 * calls in an initial push that is ~3.5 s of a thread the database shares. Redirects are not followed
 * (fetch would have replayed a POST as a GET): a 3xx is an answer like any other, and the client
 * reports it with its status.
 *
 * The token lives only in this closure: no object the bridge can log or inspect holds it, and
 * `redact` strips it from any text that came back from the network.
 */
import http from "node:http";
import https from "node:https";
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
  headers: AnswerHeaders;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body: unknown;
  text: string;
}

/** An answer's headers, read by name, case-insensitively (fetch's Headers has the same two methods). */
export interface AnswerHeaders {
  get(name: string): string | null;
  has(name: string): boolean;
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

/** Node's headers (lower-case names; repeated ones as arrays) read as AnswerHeaders. */
function answerHeaders(raw: http.IncomingHttpHeaders): AnswerHeaders {
  const get = (name: string): string | null => {
    const value = raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
  };
  return { get, has: (name) => get(name) !== null };
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function createTransport(options: { url: string; token: string; timeoutMs: number }): Transport {
  const base = options.url.replace(/\/+$/, "");
  const token = options.token;
  const redact = (text: string) => (token === "" ? text : text.split(token).join("[redacted]"));
  const secure = new URL(base).protocol === "https:";
  // Keep-alive: one connection per call in flight, reused (idle sockets do not hold the process open).
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  const request = secure ? https.request : http.request;

  function exchange(method: string, url: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(url, { method, headers, agent, signal }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  }

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
        headers["content-length"] = String(Buffer.byteLength(body));
      }
      const failure = (reason: "network" | "timeout", code?: string) =>
        new GitLabError({ kind: "retryable", reason, method: request.method, path: displayPath(request), status: null, gitlabMessage: null, retryAfterMs: null, gitLabWide: true, code });
      try {
        const query = queryString(request.query);
        const res = await exchange(request.method, `${base}/api/v4${request.path}${query ? `?${query}` : ""}`, headers, body, controller.signal);
        const answer = answerHeaders(res.headers);
        let parsed: unknown = res.text;
        if ((answer.get("content-type") ?? "").includes("json") && res.text !== "") {
          try {
            parsed = JSON.parse(res.text);
          } catch {
            parsed = res.text; // a proxy's broken JSON: keep the text, the status decides
          }
        }
        return { status: res.status, headers: answer, body: parsed, text: res.text };
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

/** The socket error's code (ECONNREFUSED, ECONNRESET…); nothing else of it is kept. */
function networkCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
