/**
 * Who is calling (contract §7.1). GitLab reads a token from the PRIVATE-TOKEN header, `Authorization:
 * Bearer`, or the private_token / access_token query parameters; it may be a personal access token or an
 * OAuth access token. The steps, in GitLab's order: unknown token → 401; revoked or expired → 401
 * invalid_token; owner blocked / deactivated / pending → 403 with the account message (contract §1.4);
 * then the route's scope.
 */
import type { IncomingMessage } from "node:http";
import { ApiError, forbidden, unauthorized } from "./http/errors";
import type { ScopeClass } from "./http/router";
import type { Store } from "./state/store";
import type { UserRecord } from "./state/types";
import { isoDate } from "./clock";

export interface Caller {
  user: UserRecord;
  /** Effective admin: the user is an admin and, under Admin Mode, the token has the admin_mode scope. */
  isAdmin: boolean;
  scopes: string[];
  tokenKind: "personal_access_token" | "oauth";
  tokenId: number | null;
}

export function extractToken(req: IncomingMessage, query: URLSearchParams): string | null {
  const raw = req.rawHeaders;
  const scan = raw.length <= RAW_SCAN_LIMIT;
  const header = scan ? rawHeader(raw, "private-token", true) : req.headers["private-token"];
  if (typeof header === "string" && header !== "") return header;
  const authorization = scan ? rawHeader(raw, "authorization", false) : req.headers.authorization;
  if (authorization) {
    const m = /^Bearer\s+(.+)$/i.exec(authorization);
    if (m) return m[1].trim();
  }
  return query.get("private_token") || query.get("access_token") || null;
}

/** Beyond this many raw header entries Node may leave some out of req.headers; read req.headers then. */
const RAW_SCAN_LIMIT = 1_000;

/**
 * A header's value as `req.headers` has it, read from `rawHeaders`: building `req.headers` costs more
 * than the rest of a token look-up. Node's rules (the emulator's server does not set
 * joinDuplicateHeaders): names match case-insensitively; a repeated PRIVATE-TOKEN is joined with ", ",
 * a repeated Authorization keeps its first value.
 */
function rawHeader(raw: string[], lowerName: string, joinRepeats: boolean): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length !== lowerName.length || raw[i].toLowerCase() !== lowerName) continue;
    if (value === undefined) value = raw[i + 1];
    else if (joinRepeats) value += `, ${raw[i + 1]}`;
    else break;
  }
  return value;
}

const invalidToken = (description: string) =>
  new ApiError(401, { error: "invalid_token", error_description: description });

/** contract §1.4 / [access-denied]: the owner's state decides whether any token still works. */
function assertAccountUsable(user: UserRecord, baseUrl: string): void {
  switch (user.state) {
    case "blocked":
    case "banned":
    case "ldap_blocked":
      throw forbidden("Your account has been blocked.");
    case "deactivated":
      throw forbidden(
        `Your account has been deactivated by your administrator. Please log back in from a web browser to reactivate your account at ${baseUrl}`,
      );
    case "blocked_pending_approval":
      throw forbidden("Your account is pending approval from your administrator and hence blocked.");
    case "active":
      return;
  }
}

/** `now` is the request's time, read once by the pipeline. */
export function authenticate(token: string | null, store: Store, now: Date, baseUrl: string): Caller | null {
  if (token === null) return null;
  const pat = store.findTokenBySecret(token);
  if (pat) {
    if (pat.revoked) throw invalidToken("Token was revoked. You have to re-authorize from the user.");
    if (pat.expiresAt !== null && pat.expiresAt <= isoDate(now)) {
      throw invalidToken("Token is expired. You can either do re-authorization or token refresh.");
    }
    const user = store.findUser(pat.userId);
    if (!user) throw unauthorized();
    assertAccountUsable(user, baseUrl);
    // GitLab's LastUsedService writes last_used_at at most every 10 minutes.
    if (pat.lastUsedAt === null || now.getTime() - parseTime(pat.lastUsedAt) > 600_000) pat.lastUsedAt = now.toISOString();
    return callerFor(user, pat.scopes, "personal_access_token", pat.id, store);
  }
  const oauth = store.oauthTokensByAccess.get(token);
  if (oauth) {
    if (oauth.revoked) throw invalidToken("Token was revoked. You have to re-authorize from the user.");
    if (now.getTime() >= oauth.createdAtMs + oauth.expiresInSeconds * 1000) {
      throw invalidToken("Token is expired. You can either do re-authorization or token refresh.");
    }
    const user = store.findUser(oauth.userId);
    if (!user) throw unauthorized();
    assertAccountUsable(user, baseUrl);
    return callerFor(user, oauth.scopes, "oauth", null, store);
  }
  throw unauthorized();
}

let memoText = "";
let memoMs = NaN;

/** Date.parse, memoised on the last text: a busy token's last_used_at changes once per 10 minutes. */
function parseTime(text: string): number {
  if (text !== memoText) {
    memoText = text;
    memoMs = Date.parse(text);
  }
  return memoMs;
}

function callerFor(user: UserRecord, scopes: string[], tokenKind: Caller["tokenKind"], tokenId: number | null, store: Store): Caller {
  const isAdmin = user.isAdmin && (!store.settings.adminMode || scopes.includes("admin_mode"));
  return { user, isAdmin, scopes, tokenKind, tokenId };
}

const ACCEPTED_SCOPES: Record<ScopeClass, readonly string[]> = {
  read_user: ["api", "read_api", "read_user"],
  read_api: ["api", "read_api"],
  api: ["api"],
};

/** contract §7.1: insufficient scope is a 403 in rack-oauth2's format, naming the scopes that would do. */
export function assertScope(caller: Caller, scope: ScopeClass): void {
  const accepted = ACCEPTED_SCOPES[scope];
  for (const s of caller.scopes) if (accepted.includes(s)) return;
  throw new ApiError(403, {
    error: "insufficient_scope",
    error_description: "The request requires higher privileges than provided by the access token.",
    scope: accepted.join(" "),
  });
}

/** GitLab's `authenticate!`. */
export function requireCaller(caller: Caller | null): Caller {
  if (!caller) throw unauthorized();
  return caller;
}

/** GitLab's `authenticated_as_admin!`: 401 without a user, 403 for a non-admin (contract §0.1). */
export function requireAdmin(caller: Caller | null): Caller {
  const c = requireCaller(caller);
  if (!c.isAdmin) throw forbidden();
  return c;
}
