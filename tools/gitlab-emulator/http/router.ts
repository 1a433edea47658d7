/**
 * A tiny path router. Patterns are written exactly as in GitLab's OpenAPI description
 * (`/api/v4/users/{id}/block`) so the route table can be checked against it; `{id:int}` adds GitLab's
 * digits-only `requirements` on the id — a non-numeric segment then falls through to the catch-all 404
 * (contract §0.1). Parameters are matched on the raw path and decoded afterwards, so a URL-encoded full
 * path such as `parent%2Fchild` stays one segment (contract §3).
 */
import type { IncomingMessage } from "node:http";
import type { Store } from "../state/store";
import type { ParamInput } from "./params";
import type { Caller } from "../auth";
import type { Clock } from "../clock";
import type { JobQueue } from "../jobs";

/**
 * Who may call: anyone (the handler decides what anonymous callers see), any signed-in user, admins;
 * "own" routes (OAuth endpoints) read credentials themselves and skip the API's token handling.
 */
export type Access = "public" | "user" | "admin" | "own";

/**
 * Token scopes that satisfy the route (contract §7.1, auth-doc): `api` always does; `read_api` for
 * reads; `read_user` for /user and the read-only /users endpoints.
 */
export type ScopeClass = "read_user" | "read_api" | "api";

export interface Context {
  req: IncomingMessage;
  method: string;
  path: string;
  query: URLSearchParams;
  /** Query string and body merged, body winning, as Grape's `params`. */
  input: ParamInput;
  pathParams: Record<string, string>;
  caller: Caller | null;
  store: Store;
  clock: Clock;
  jobs: JobQueue;
  baseUrl: string;
}

export interface Reply {
  status: number;
  /** JSON body; `undefined` means no body (204). */
  body?: unknown;
  /** `body` already serialised (http/json-memo.ts); when given it is exactly JSON.stringify(body). */
  json?: string;
  headers?: Record<string, string>;
  /** Non-JSON answers (HTML sign-in page, redirects). */
  raw?: { contentType: string; text: string };
}

/** Handlers are synchronous: the state is in memory, and a sync path keeps lookups fast. */
export type Handler = (ctx: Context) => Reply;

export interface RouteDef {
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH";
  pattern: string;
  access: Access;
  scope: ScopeClass;
  handler: Handler;
}

interface Segment {
  literal?: string;
  param?: string;
  integer?: boolean;
}

export interface CompiledRoute extends RouteDef {
  segments: Segment[];
  /** The OpenAPI spelling of the pattern, `{id:int}` written `{id}`. */
  openApiPath: string;
}

export function compileRoute(def: RouteDef): CompiledRoute {
  const segments = def.pattern.split("/").slice(1).map((part): Segment => {
    const m = /^\{(\w+)(:int)?\}$/.exec(part);
    return m ? { param: m[1], integer: m[2] === ":int" } : { literal: part };
  });
  return { ...def, segments, openApiPath: def.pattern.replace(/:int\}/g, "}") };
}

export class Router {
  /** Routes by method, then by segment count: a match only tries routes of the request's shape. */
  private readonly byShape = new Map<string, CompiledRoute[][]>();
  readonly routes: CompiledRoute[] = [];

  add(defs: RouteDef[]): void {
    for (const def of defs) {
      const route = compileRoute(def);
      this.routes.push(route);
      let bySize = this.byShape.get(def.method);
      if (!bySize) this.byShape.set(def.method, (bySize = []));
      (bySize[route.segments.length] ??= []).push(route);
    }
  }

  /**
   * Runs on every request, so it allocates only for the route that matches: the segments are those of
   * the raw path split on "/" less the part before the first "/", read in place (String#split costs
   * more than the rest of the match), and literals are checked before any parameter is decoded.
   */
  match(method: string, rawPath: string): { route: CompiledRoute; params: Record<string, string> } | null {
    const bySize = this.byShape.get(method);
    if (!bySize) return null;
    // slashes[i] is the "/" before segment i; the last entry closes the last segment.
    const slashes: number[] = [];
    for (let at = rawPath.indexOf("/"); at >= 0; at = rawPath.indexOf("/", at + 1)) slashes.push(at);
    const candidates = bySize[slashes.length];
    if (!candidates) return null;
    slashes.push(rawPath.length);
    outer: for (const route of candidates) {
      const segments = route.segments;
      for (let i = 0; i < segments.length; i++) {
        const literal = segments[i].literal;
        if (literal === undefined) continue;
        const start = slashes[i] + 1;
        if (slashes[i + 1] - start !== literal.length || !rawPath.startsWith(literal, start)) continue outer;
      }
      const params: Record<string, string> = {};
      for (let i = 0; i < segments.length; i++) {
        const segment = segments[i];
        if (segment.literal !== undefined) continue;
        const part = rawPath.slice(slashes[i] + 1, slashes[i + 1]);
        let value: string;
        try {
          // Without a "%" there is nothing to decode.
          value = part.includes("%") ? decodeURIComponent(part) : part;
        } catch {
          continue outer;
        }
        if (value === "" || (segment.integer && !/^\d+$/.test(value))) continue outer;
        params[segment.param!] = value;
      }
      return { route, params };
    }
    return null;
  }
}
