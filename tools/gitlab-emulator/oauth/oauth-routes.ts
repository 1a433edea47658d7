/**
 * GitLab as an OAuth 2.0 provider (contract §7.3), enough for an admin to sign in to the bridge:
 * authorization code with PKCE (S256 or plain), refresh tokens that replace both old tokens, userinfo,
 * token info and revocation. Errors use Doorkeeper's bodies. /oauth/authorize either signs in the user
 * named by settings.oauthAutoApproveUsername (tests) or shows a sign-in page; trusted applications skip
 * the consent screen, as GitLab lets admins configure.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Context, Reply, RouteDef } from "../http/router";
import { ApiError } from "../http/errors";
import type { OAuthAccessToken, OAuthApplication, UserRecord } from "../state/types";
import { isoDate } from "../clock";
import { errorPage, signInPage } from "./sign-in-page";

/** contract §7.3: OAuth access tokens live 2 hours. */
const ACCESS_TOKEN_SECONDS = 7200;
/** Doorkeeper's default lifetime of an authorization code. */
const CODE_MS = 10 * 60 * 1000;

const secret = () => randomBytes(32).toString("hex");
const html = (status: number, text: string): Reply => ({ status, raw: { contentType: "text/html; charset=utf-8", text } });
const str = (v: unknown) => (typeof v === "string" ? v : undefined);

const oauthError = (status: number, error: string, description: string) => new ApiError(status, { error, error_description: description });

const INVALID_GRANT =
  "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.";
const INVALID_CLIENT = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";

function redirectWith(uri: string, params: Record<string, string | undefined>): Reply {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return { status: 302, headers: { location: url.toString() } };
}

interface AuthorizeRequest {
  app: OAuthApplication;
  redirectUri: string;
  state?: string;
  scopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: string;
}

/** Checks that never redirect (bad client or redirect URI) answer an error page; the rest redirect. */
function parseAuthorize(ctx: Context): AuthorizeRequest | Reply {
  const clientId = str(ctx.input.client_id);
  const app = clientId ? ctx.store.oauthApps.get(clientId) : undefined;
  if (!app) return html(401, errorPage("invalid_client", INVALID_CLIENT));
  const redirectUri = str(ctx.input.redirect_uri) ?? app.redirectUris[0];
  if (!app.redirectUris.includes(redirectUri)) return html(400, errorPage("invalid_redirect_uri", "The redirect uri included is not valid."));
  const state = str(ctx.input.state);
  if (str(ctx.input.response_type) !== "code") {
    return redirectWith(redirectUri, { error: "unsupported_response_type", error_description: "The authorization server does not support this response type.", state });
  }
  const requested = (str(ctx.input.scope) ?? "").split(/[\s+]+/).filter(Boolean);
  const scopes = requested.length ? requested : app.scopes;
  if (scopes.some((s) => !app.scopes.includes(s))) {
    return redirectWith(redirectUri, { error: "invalid_scope", error_description: "The requested scope is invalid, unknown, or malformed.", state });
  }
  const codeChallenge = str(ctx.input.code_challenge);
  const codeChallengeMethod = codeChallenge ? str(ctx.input.code_challenge_method) ?? "plain" : undefined;
  if (codeChallengeMethod && codeChallengeMethod !== "S256" && codeChallengeMethod !== "plain") {
    return redirectWith(redirectUri, { error: "invalid_request", error_description: "Code challenge method must be plain or S256.", state });
  }
  return { app, redirectUri, state, scopes, codeChallenge, codeChallengeMethod };
}

/** A web sign-in: blocked accounts are refused; a deactivated user is reactivated (contract §1.4, §9.5). */
function signIn(ctx: Context, user: UserRecord): string | null {
  if (user.state === "deactivated") user.state = "active";
  if (user.state !== "active") return "Your account has been blocked. Please contact your GitLab administrator if you think this is an error.";
  const now = ctx.clock.now();
  user.lastSignInAt = user.currentSignInAt;
  user.currentSignInAt = now.toISOString();
  user.lastActivityOn = isoDate(now);
  return null;
}

function issueCode(ctx: Context, request: AuthorizeRequest, user: UserRecord): Reply {
  const code = secret();
  ctx.store.oauthGrants.set(code, {
    code,
    clientId: request.app.clientId,
    userId: user.id,
    redirectUri: request.redirectUri,
    scopes: request.scopes,
    codeChallenge: request.codeChallenge ?? null,
    codeChallengeMethod: request.codeChallengeMethod ?? null,
    expiresAtMs: ctx.clock.now().getTime() + CODE_MS,
  });
  return redirectWith(request.redirectUri, { code, state: request.state });
}

function hiddenFields(ctx: Context): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ["client_id", "redirect_uri", "response_type", "state", "scope", "code_challenge", "code_challenge_method"]) {
    const v = str(ctx.input[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

function authorizeGet(ctx: Context): Reply {
  const request = parseAuthorize(ctx);
  if ("status" in request) return request;
  const auto = ctx.store.settings.oauthAutoApproveUsername;
  if (auto === null) return html(200, signInPage(hiddenFields(ctx)));
  const user = ctx.store.findUserByUsername(auto);
  if (!user || signIn(ctx, user) !== null) {
    return redirectWith(request.redirectUri, { error: "access_denied", error_description: "The resource owner or authorization server denied the request.", state: request.state });
  }
  return issueCode(ctx, request, user);
}

function authorizePost(ctx: Context): Reply {
  const request = parseAuthorize(ctx);
  if ("status" in request) return request;
  const login = str(ctx.input.login) ?? "";
  const user = login.includes("@") ? ctx.store.findUserByEmail(login) : ctx.store.findUserByUsername(login);
  if (!user || user.password === null || user.password !== str(ctx.input.password)) {
    return html(200, signInPage(hiddenFields(ctx), "Invalid login or password."));
  }
  const refusal = signIn(ctx, user);
  if (refusal) return html(200, signInPage(hiddenFields(ctx), refusal));
  return issueCode(ctx, request, user);
}

/** Client authentication: HTTP Basic or client_id/client_secret in the body; public clients send no secret. */
function authenticateClient(ctx: Context): OAuthApplication {
  let clientId = str(ctx.input.client_id);
  let clientSecret = str(ctx.input.client_secret);
  const basic = /^Basic\s+(.+)$/i.exec(ctx.req.headers.authorization ?? "");
  if (basic) {
    const [id, sec] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
    clientId = decodeURIComponent(id);
    clientSecret = decodeURIComponent(sec ?? "");
  }
  const app = clientId ? ctx.store.oauthApps.get(clientId) : undefined;
  if (!app) throw oauthError(401, "invalid_client", INVALID_CLIENT);
  if (clientSecret !== undefined ? app.clientSecret !== clientSecret : app.confidential) throw oauthError(401, "invalid_client", INVALID_CLIENT);
  return app;
}

function tokenResponse(t: OAuthAccessToken): Reply {
  return {
    status: 200,
    headers: { "cache-control": "no-store", pragma: "no-cache" },
    body: {
      access_token: t.accessToken,
      token_type: "bearer", // contract §7.3 spelling
      expires_in: t.expiresInSeconds,
      refresh_token: t.refreshToken,
      scope: t.scopes.join(" "),
      created_at: Math.floor(t.createdAtMs / 1000),
    },
  };
}

function storeToken(ctx: Context, clientId: string, userId: number, scopes: string[]): OAuthAccessToken {
  const token: OAuthAccessToken = {
    accessToken: secret(),
    refreshToken: secret(),
    clientId,
    userId,
    scopes,
    createdAtMs: ctx.clock.now().getTime(),
    expiresInSeconds: ACCESS_TOKEN_SECONDS,
    revoked: false,
  };
  ctx.store.oauthTokensByAccess.set(token.accessToken, token);
  ctx.store.oauthTokensByRefresh.set(token.refreshToken, token);
  return token;
}

function pkceMatches(verifier: string | undefined, challenge: string, method: string | null): boolean {
  if (verifier === undefined) return false;
  const computed = method === "S256" ? createHash("sha256").update(verifier).digest("base64url") : verifier;
  return computed === challenge;
}

function token(ctx: Context): Reply {
  const grantType = str(ctx.input.grant_type);
  if (grantType === undefined) throw oauthError(400, "invalid_request", "Missing required parameter: grant_type.");
  if (grantType === "authorization_code") {
    const code = str(ctx.input.code);
    if (code === undefined) throw oauthError(400, "invalid_request", "Missing required parameter: code.");
    const app = authenticateClient(ctx);
    const grant = ctx.store.oauthGrants.get(code);
    // Codes are single use: drop it whatever happens next.
    ctx.store.oauthGrants.delete(code);
    if (!grant || grant.clientId !== app.clientId || grant.expiresAtMs <= ctx.clock.now().getTime()) throw oauthError(400, "invalid_grant", INVALID_GRANT);
    if (str(ctx.input.redirect_uri) !== grant.redirectUri) throw oauthError(400, "invalid_grant", INVALID_GRANT);
    if (grant.codeChallenge !== null && !pkceMatches(str(ctx.input.code_verifier), grant.codeChallenge, grant.codeChallengeMethod)) {
      throw oauthError(400, "invalid_grant", INVALID_GRANT);
    }
    return tokenResponse(storeToken(ctx, app.clientId, grant.userId, grant.scopes));
  }
  if (grantType === "refresh_token") {
    const refresh = str(ctx.input.refresh_token);
    if (refresh === undefined) throw oauthError(400, "invalid_request", "Missing required parameter: refresh_token.");
    const app = authenticateClient(ctx);
    const old = ctx.store.oauthTokensByRefresh.get(refresh);
    if (!old || old.revoked || old.clientId !== app.clientId) throw oauthError(400, "invalid_grant", INVALID_GRANT);
    // contract §7.3: refreshing invalidates the old access and refresh tokens.
    old.revoked = true;
    ctx.store.oauthTokensByRefresh.delete(refresh);
    return tokenResponse(storeToken(ctx, app.clientId, old.userId, old.scopes));
  }
  throw oauthError(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.");
}

/** The bearer token of an OAuth endpoint, in rack-oauth2's error format when it does not work. */
function requireBearer(ctx: Context): { token: OAuthAccessToken; user: UserRecord } {
  const m = /^Bearer\s+(.+)$/i.exec(ctx.req.headers.authorization ?? "");
  const value = m?.[1] ?? str(ctx.input.access_token);
  const token = value ? ctx.store.oauthTokensByAccess.get(value) : undefined;
  const user = token ? ctx.store.findUser(token.userId) : undefined;
  if (!token || !user) throw oauthError(401, "invalid_token", "The access token is invalid");
  if (token.revoked) throw oauthError(401, "invalid_token", "Token was revoked. You have to re-authorize from the user.");
  if (ctx.clock.now().getTime() >= token.createdAtMs + token.expiresInSeconds * 1000) {
    throw oauthError(401, "invalid_token", "Token is expired. You can either do re-authorization or token refresh.");
  }
  return { token, user };
}

/** contract §7.3: OIDC claims; there is no admin flag among them. */
function userinfo(ctx: Context): Reply {
  const { token, user } = requireBearer(ctx);
  if (!token.scopes.includes("openid")) {
    throw new ApiError(403, { error: "insufficient_scope", error_description: "The request requires higher privileges than provided by the access token.", scope: "openid" });
  }
  const groups = [...ctx.store.groupIdsOf(user.id)].map((id) => ctx.store.findGroup(id)!.fullPath).sort();
  const withEmail = token.scopes.includes("email") || token.scopes.includes("openid");
  return {
    status: 200,
    body: {
      sub: String(user.id),
      sub_legacy: createHash("sha256").update(`emulator-${user.id}`).digest("hex"),
      name: user.name,
      nickname: user.username,
      preferred_username: user.username,
      ...(withEmail ? { email: user.email, email_verified: user.confirmedAt !== null } : {}),
      website: "",
      profile: `${ctx.baseUrl}/${user.username}`,
      picture: `https://www.gravatar.com/avatar/${user.id}?s=80&d=identicon`,
      groups,
      groups_direct: groups,
    },
  };
}

function tokenInfo(ctx: Context): Reply {
  const { token } = requireBearer(ctx);
  const expiresIn = Math.max(0, Math.floor((token.createdAtMs + token.expiresInSeconds * 1000 - ctx.clock.now().getTime()) / 1000));
  return {
    status: 200,
    body: {
      resource_owner_id: token.userId,
      scope: token.scopes,
      expires_in: expiresIn,
      application: { uid: token.clientId },
      created_at: Math.floor(token.createdAtMs / 1000),
      scopes: token.scopes,
      expires_in_seconds: expiresIn,
    },
  };
}

/** RFC 7009: revocation answers 200 {} whether or not the token was known. */
function revoke(ctx: Context): Reply {
  authenticateClient(ctx);
  const value = str(ctx.input.token);
  const t = value ? ctx.store.oauthTokensByAccess.get(value) ?? ctx.store.oauthTokensByRefresh.get(value) : undefined;
  if (t) {
    t.revoked = true;
    ctx.store.oauthTokensByRefresh.delete(t.refreshToken);
  }
  return { status: 200, body: {} };
}

export const oauthRoutes: RouteDef[] = [
  { method: "GET", pattern: "/oauth/authorize", access: "own", scope: "api", handler: authorizeGet },
  { method: "POST", pattern: "/oauth/authorize", access: "own", scope: "api", handler: authorizePost },
  { method: "POST", pattern: "/oauth/token", access: "own", scope: "api", handler: token },
  { method: "GET", pattern: "/oauth/userinfo", access: "own", scope: "api", handler: userinfo },
  { method: "POST", pattern: "/oauth/userinfo", access: "own", scope: "api", handler: userinfo },
  { method: "GET", pattern: "/oauth/token/info", access: "own", scope: "api", handler: tokenInfo },
  { method: "POST", pattern: "/oauth/revoke", access: "own", scope: "api", handler: revoke },
];
