/**
 * The request pipeline, one visible list of steps:
 *   control (/-/emulator, admin token only) → match route → record → faults → authenticate →
 *   throttle → access and scope → activity → body → handler → respond.
 * Every answer goes out through `send`, the only place that writes bodies; an unexpected exception
 * becomes GitLab's generic 500 and its cause goes to stderr.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { Router, type CompiledRoute, type Context, type Reply } from "./http/router";
import { ApiError, internalServerError, routeNotFound, unauthorized } from "./http/errors";
import { parseBody, readBody, searchParamsToInput } from "./http/body";
import { assertScope, authenticate, extractToken, requireAdmin, requireCaller, type Caller } from "./auth";
import type { Store } from "./state/store";
import type { Clock } from "./clock";
import { isoDate, nowMs } from "./clock";
import type { JobQueue } from "./jobs";
import type { InFlight, RequestLog, StoredRecord } from "./request-log";
import type { FaultAction, Faults } from "./faults";
import type { Throttle } from "./rate-limit";

export interface RecordedResponse {
  method: string;
  path: string;
  /** OpenAPI spelling of the matched route; null for unknown routes and control calls. */
  route: string | null;
  status: number;
  contentType: string | null;
  body: unknown;
}

export interface PipelineDeps {
  /** Replaced on reset, hence read through the deps object at request time. */
  store: Store;
  api: Router;
  control: Router;
  adminToken: string;
  clock: Clock;
  jobs: JobQueue;
  requests: RequestLog;
  inFlight: InFlight;
  faults: Faults;
  throttle: Throttle;
  baseUrl: () => string;
  onResponse?: (response: RecordedResponse) => void;
  /** Timers of delayed answers, cleared by close(). */
  timers: Set<NodeJS.Timeout>;
}

export function createListener(deps: PipelineDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? "" : url.slice(q + 1);
    const query = new URLSearchParams(rawQuery);
    const method = req.method ?? "GET";
    if (path === "/-/emulator" || path.startsWith("/-/emulator/")) {
      void handleControl(deps, req, res, method, path, query);
      return;
    }
    const match = deps.api.match(method, path);
    const route = match ? match.route.openApiPath : null;
    const record = deps.requests.add(nowMs(deps.clock), method, path, rawQuery, route);
    deps.inFlight.enter();
    res.once("close", () => deps.inFlight.leave());
    const fault = deps.faults.decide(method, path, route);
    // The undelayed case calls straight through: no closure per request on the hot path.
    if (!(fault.delayMs > 0)) return proceed(deps, req, res, method, path, query, match, record, fault);
    const timer = setTimeout(() => {
      deps.timers.delete(timer);
      proceed(deps, req, res, method, path, query, match, record, fault);
    }, fault.delayMs);
    deps.timers.add(timer);
  };
}

/** After the fault's delay: the fault's answer, or the API's. */
function proceed(
  deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams,
  match: Match, record: StoredRecord, fault: FaultAction,
): void {
  if (fault.kind === "timeout") {
    record.fault = "timeout"; // never answered; close() cuts the socket
    return;
  }
  if (fault.kind === "reset") {
    record.fault = "reset";
    req.socket.destroy();
    return;
  }
  if (fault.kind === "lose") {
    // The API carries the call out; its answer never leaves: the socket is cut when it would be written.
    record.fault = "lost";
    const cut = () => {
      req.socket.destroy();
      return res;
    };
    res.writeHead = cut as unknown as typeof res.writeHead;
    res.end = cut as unknown as typeof res.end;
  } else if (fault.kind === "respond") {
    record.fault = fault.outage ? "outage" : "error";
    record.status = fault.status;
    res.writeHead(fault.status, { "content-type": fault.contentType, ...fault.headers });
    res.end(fault.text);
    return;
  }
  handleApi(deps, req, res, method, path, query, match, record);
}

type Match = { route: CompiledRoute; params: Record<string, string> } | null;

/** One API request on its way through the pipeline; what `send` needs to answer and report it. */
interface ApiCall {
  deps: PipelineDeps;
  res: ServerResponse;
  method: string;
  path: string;
  route: string | null;
  record: StoredRecord;
  throttleHeaders?: Record<string, string>;
}

function fail(call: ApiCall, e: unknown): void {
  const error = e instanceof ApiError ? e : logged(e);
  const headers = call.throttleHeaders ? { ...call.throttleHeaders, ...error.headers } : error.headers;
  send(call.deps, call.res, call.method, call.path, call.route, call.record, { status: error.status, body: error.body, headers });
}

function run(call: ApiCall, route: CompiledRoute, ctx: Context): void {
  try {
    const reply = route.handler(ctx);
    send(call.deps, call.res, call.method, call.path, call.route, call.record, call.throttleHeaders ? { ...reply, headers: { ...call.throttleHeaders, ...reply.headers } } : reply);
  } catch (e) {
    fail(call, e);
  }
}

/**
 * Authentication, throttle, access and scope run before the body is read (as in GitLab, where Rack and
 * Grape's `before` come first); GET requests never wait for a body, keeping look-ups synchronous.
 */
function handleApi(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams, match: Match, record: StoredRecord): void {
  const call: ApiCall = { deps, res, method, path, route: match ? match.route.openApiPath : null, record };
  try {
    if (!match) throw routeNotFound(); // contract §0.1: the catch-all answers {"error":"404 Not Found"}
    const { route } = match;
    const store = deps.store;
    const baseUrl = deps.baseUrl();
    let caller: Caller | null = null;
    if (route.access !== "own") {
      const now = deps.clock.now();
      caller = authenticate(extractToken(req, query), store, now, baseUrl);
      if (caller) record.userId = caller.user.id;
      if (caller && store.settings.throttle.enabled) {
        const verdict = deps.throttle.check(caller.user.id, store.settings.throttle, now.getTime());
        call.throttleHeaders = verdict.headers;
        if (!verdict.allowed) {
          // contract §6 / §9.14: Rack::Attack answers plain text, not JSON.
          send(deps, res, method, path, call.route, record, { status: 429, raw: { contentType: "text/plain", text: "Retry later\n" }, headers: verdict.headers });
          return;
        }
      }
      if (route.access === "user") requireCaller(caller);
      if (route.access === "admin") requireAdmin(caller);
      if (caller) {
        assertScope(caller, route.scope);
        // Addenda: a user's own API calls count as activity for the dormancy rule.
        caller.user.lastActivityOn = isoDate(now);
      }
    }
    const input = searchParamsToInput(query);
    const ctx: Context = { req, method, path, query, input, pathParams: match.params, caller, store, clock: deps.clock, jobs: deps.jobs, baseUrl };
    if (method === "GET" || method === "HEAD") return run(call, route, ctx);
    readBody(req).then(
      (text) => {
        try {
          const body = parseBody(text, req.headers["content-type"]);
          record.body = body;
          Object.assign(input, body);
        } catch (e) {
          return fail(call, e);
        }
        run(call, route, ctx);
      },
      (e) => fail(call, e),
    );
  } catch (e) {
    fail(call, e);
  }
}

async function handleControl(deps: PipelineDeps, req: IncomingMessage, res: ServerResponse, method: string, path: string, query: URLSearchParams) {
  try {
    // Nothing under /-/emulator is reachable without the emulator admin token.
    if (extractToken(req, query) !== deps.adminToken) throw unauthorized();
    const match = deps.control.match(method, path);
    if (!match) throw routeNotFound();
    const input = method === "GET" ? searchParamsToInput(query) : parseBody(await readBody(req), req.headers["content-type"] ?? "application/json");
    const ctx: Context = {
      req, method, path, query, input, pathParams: match.params, caller: null,
      store: deps.store, clock: deps.clock, jobs: deps.jobs, baseUrl: deps.baseUrl(),
    };
    send(deps, res, method, path, null, null, match.route.handler(ctx));
  } catch (e) {
    const error = e instanceof ApiError ? e : logged(e);
    send(deps, res, method, path, null, null, { status: error.status, body: error.body, headers: error.headers });
  }
}

function logged(e: unknown): ApiError {
  console.error("[gitlab-emulator] unexpected error:", e);
  return internalServerError();
}

/** `route` and `record` are null for control calls, which are neither matched against the API nor recorded. */
function send(
  deps: PipelineDeps,
  res: ServerResponse,
  method: string,
  path: string,
  route: string | null,
  record: StoredRecord | null,
  reply: Reply,
): void {
  if (record) record.status = reply.status;
  if (res.headersSent || res.destroyed) return;
  let contentType: string | null = null;
  let text: string | undefined;
  if (reply.raw) {
    contentType = reply.raw.contentType;
    text = reply.raw.text;
  } else if (reply.body !== undefined) {
    contentType = "application/json";
    text = reply.json ?? JSON.stringify(reply.body);
  }
  // An explicit length spares chunked encoding.
  const length = text === undefined ? "0" : String(Buffer.byteLength(text));
  res.writeHead(reply.status, headerList(reply.headers, contentType, length));
  res.end(text);
  deps.onResponse?.({ method, path, route, status: reply.status, contentType, body: reply.raw ? reply.raw.text : reply.body });
}

/**
 * The reply's headers, then content-type and content-length, as the flat [name, value, …] list that
 * writeHead takes exactly as it takes an object (same order, same checks). It stands for what was
 * `{ ...reply.headers, "content-type": …, "content-length": … }`, down to a same-named entry keeping its
 * place with the new value; copying the object and adding keys to the copy cost microseconds a request.
 */
function headerList(extra: Record<string, string> | undefined, contentType: string | null, length: string): string[] {
  const list: string[] = [];
  let typeDone = !contentType;
  let lengthDone = false;
  for (const name in extra) {
    if (!Object.hasOwn(extra, name)) continue;
    if (name === "content-type" && !typeDone) {
      list.push(name, contentType!);
      typeDone = true;
    } else if (name === "content-length") {
      list.push(name, length);
      lengthDone = true;
    } else {
      list.push(name, extra[name]);
    }
  }
  if (!typeDone) list.push("content-type", contentType!);
  if (!lengthDone) list.push("content-length", length);
  return list;
}
