/**
 * Personal access tokens (contract §7.2) and a user's SSH keys: what an offboarding needs to list and
 * revoke. Note the Addenda trap reproduced here: GET /personal_access_tokens?user_id=<unknown> does not
 * filter at all (inferred), so a client must check each token's user_id before revoking.
 */
import type { Context, Reply, RouteDef } from "../http/router";
import { readParams } from "../http/params";
import { paginate } from "../http/pagination";
import { badRequest, notFound, unauthorized } from "../http/errors";
import { requireAdmin, requireCaller } from "../auth";
import { personalAccessToken, sshKey } from "../entities";
import { requireUser } from "./lookups";
import { isoDate } from "../clock";
import type { TokenRecord } from "../state/types";

const isActive = (t: TokenRecord, today: string) => !t.revoked && (t.expiresAt === null || t.expiresAt > today);

function listTokens(ctx: Context): Reply {
  const caller = requireCaller(ctx.caller);
  const p = readParams(ctx.input, {
    user_id: { type: "integer" },
    revoked: { type: "boolean" },
    state: { type: "string", values: ["active", "inactive"] },
    search: { type: "string" },
  });
  const today = isoDate(ctx.clock.now());
  let userFilter: number | undefined;
  if (caller.isAdmin) {
    if (p.user_id !== undefined && ctx.store.findUser(p.user_id)) userFilter = p.user_id;
  } else {
    // contract §7.2: a non-admin asking for another user's tokens gets 401.
    if (p.user_id !== undefined && p.user_id !== caller.user.id) throw unauthorized();
    userFilter = caller.user.id;
  }
  const rows = [...ctx.store.tokensById.values()].filter((t) => {
    if (userFilter !== undefined && t.userId !== userFilter) return false;
    if (p.revoked !== undefined && t.revoked !== p.revoked) return false;
    if (p.state === "active" && !isActive(t, today)) return false;
    if (p.state === "inactive" && isActive(t, today)) return false;
    if (p.search !== undefined && !t.name.toLowerCase().includes(p.search.toLowerCase())) return false;
    return true;
  });
  return paginate(ctx, rows, (t) => personalAccessToken(t, today));
}

/** contract §7.2: `self` or an id; a token that is missing or not yours is 401, missing for an admin 404. */
function findTokenFor(ctx: Context): TokenRecord {
  const caller = requireCaller(ctx.caller);
  const param = ctx.pathParams.id;
  const token = param === "self" ? (caller.tokenId !== null ? ctx.store.tokensById.get(caller.tokenId) : undefined) : ctx.store.tokensById.get(Number(param));
  if (!token) throw caller.isAdmin ? notFound("Personal Access Token") : unauthorized();
  if (!caller.isAdmin && token.userId !== caller.user.id) throw unauthorized();
  return token;
}

function getToken(ctx: Context): Reply {
  return { status: 200, body: personalAccessToken(findTokenFor(ctx), isoDate(ctx.clock.now())) };
}

function revokeToken(ctx: Context): Reply {
  const token = findTokenFor(ctx);
  // contract §7.2: 400 when the token could not be revoked; an already revoked one is that case (inferred).
  if (token.revoked) throw badRequest("Token already revoked");
  token.revoked = true;
  return { status: 204 };
}

function listKeys(ctx: Context): Reply {
  // The key listing takes an id or a username and needs no authentication.
  const param = ctx.pathParams.user_id;
  const user = /^\d+$/.test(param) ? ctx.store.findUser(Number(param)) : ctx.store.findUserByUsername(param);
  if (!user) throw notFound("User");
  const keys = [...ctx.store.sshKeysById.values()].filter((k) => k.userId === user.id);
  return paginate(ctx, keys, sshKey);
}

function findKey(ctx: Context) {
  const user = requireUser(ctx.store, ctx.pathParams.id);
  const key = ctx.store.sshKeysById.get(Number(ctx.pathParams.key_id));
  if (!key || key.userId !== user.id) throw notFound("Key");
  return key;
}

function getKey(ctx: Context): Reply {
  return { status: 200, body: sshKey(findKey(ctx)) };
}

function deleteKey(ctx: Context): Reply {
  requireAdmin(ctx.caller);
  const key = findKey(ctx);
  ctx.store.sshKeysById.delete(key.id);
  // GitLab's destroy_conditionally! answers 204; the OpenAPI 200 + body is the generator's default.
  return { status: 204 };
}

export const tokenAndKeyRoutes: RouteDef[] = [
  { method: "GET", pattern: "/api/v4/personal_access_tokens", access: "user", scope: "read_api", handler: listTokens },
  { method: "GET", pattern: "/api/v4/personal_access_tokens/{id}", access: "user", scope: "read_api", handler: getToken },
  { method: "DELETE", pattern: "/api/v4/personal_access_tokens/{id}", access: "user", scope: "api", handler: revokeToken },
  { method: "GET", pattern: "/api/v4/users/{user_id}/keys", access: "public", scope: "read_user", handler: listKeys },
  { method: "GET", pattern: "/api/v4/users/{id:int}/keys/{key_id:int}", access: "public", scope: "read_user", handler: getKey },
  { method: "DELETE", pattern: "/api/v4/users/{id:int}/keys/{key_id:int}", access: "admin", scope: "api", handler: deleteKey },
];
