/**
 * The user state machine as the API exposes it: block, unblock, deactivate, activate, ban, unban, each
 * with the result matrix of contract §1.4 (201 with a bare true / null / false, or a 403 whose wording
 * depends on who refused: `forbidden!` reasons carry "403 Forbidden - ", service errors do not; §9.3).
 * Each action is one function from the user's current state to an outcome. Approve (a pending user) is
 * beside them with its own answer shape.
 */
import type { Context, Reply, RouteDef } from "../http/router";
import { ApiError, forbidden, serviceForbidden } from "../http/errors";
import { requireAdmin, type Caller } from "../auth";
import { requireUser } from "./lookups";
import type { UserRecord, UserState } from "../state/types";
import { DAY_MS } from "../clock";
import type { Settings } from "../state/settings";

/** contract §1.4: `user.blocked?` is true for these states. */
const BLOCKED_STATES: readonly UserState[] = ["blocked", "ldap_blocked", "blocked_pending_approval", "banned"];
const isBlocked = (u: UserRecord) => BLOCKED_STATES.includes(u.state);

type Outcome = { body: true | false | null; next?: UserState };

const ok = (next?: UserState): Outcome => ({ body: true, next });

function block(user: UserRecord, caller: Caller): Outcome {
  // contract §1.4: order of checks is ldap_blocked → self → already blocked → service.
  if (user.state === "ldap_blocked") throw forbidden("LDAP blocked users cannot be modified by the API");
  if (user.id === caller.user.id) throw forbidden("The API initiating user cannot be blocked by the API");
  if (isBlocked(user)) return { body: null }; // banned counts as already blocked (inferred)
  if (user.userType === "internal") throw serviceForbidden("An internal user cannot be blocked");
  return ok("blocked");
}

function unblock(user: UserRecord): Outcome {
  if (user.state === "ldap_blocked") throw forbidden("LDAP blocked users cannot be unblocked by the API");
  if (user.state === "deactivated") throw forbidden("Deactivated users cannot be unblocked by the API");
  // contract §1.4 (body inferred): the activate service fails on an active user → 201 false.
  if (user.state === "active") return { body: false };
  return ok("active"); // blocked, pending approval, banned (inferred) → active
}

/** contract §1.4: "activity" is the later of last_activity_on and current_sign_in_at; none at all = dormant. */
function isDormant(user: UserRecord, settings: Settings, now: Date): boolean {
  const stamps = [user.lastActivityOn, user.currentSignInAt].filter((s): s is string => s !== null).map((s) => Date.parse(s));
  if (stamps.length === 0) return true;
  return Math.max(...stamps) <= now.getTime() - settings.deactivateDormantUsersPeriodDays * DAY_MS;
}

function deactivate(user: UserRecord, settings: Settings, now: Date): Outcome {
  if (user.state === "deactivated") return { body: null };
  if (isBlocked(user)) throw serviceForbidden("Error occurred. A blocked user cannot be deactivated");
  if (user.userType === "internal") throw serviceForbidden("Internal users cannot be deactivated");
  if (!isDormant(user, settings, now)) {
    const days = settings.deactivateDormantUsersPeriodDays;
    throw serviceForbidden(`The user you are trying to deactivate has been active in the past ${days} days and cannot be deactivated`);
  }
  return ok("deactivated");
}

function activate(user: UserRecord): Outcome {
  if (isBlocked(user)) throw serviceForbidden("Error occurred. A blocked user must be unblocked to be activated");
  return user.state === "deactivated" ? ok("active") : ok();
}

function ban(user: UserRecord): Outcome {
  if (user.state !== "active") throw serviceForbidden(`You cannot ban ${user.state} users.`);
  return ok("banned");
}

function unban(user: UserRecord): Outcome {
  if (user.state !== "banned") throw serviceForbidden(`You cannot unban ${user.state} users.`);
  return ok("active");
}

type Action = (user: UserRecord, caller: Caller, ctx: Context) => Outcome;

function moderationRoute(name: string, action: Action): RouteDef {
  return {
    method: "POST",
    pattern: `/api/v4/users/{id:int}/${name}`,
    access: "admin",
    scope: "api",
    handler(ctx): Reply {
      const caller = requireAdmin(ctx.caller);
      const user = requireUser(ctx.store, ctx.pathParams.id);
      const outcome = action(user, caller, ctx);
      if (outcome.next && outcome.next !== user.state) {
        user.state = outcome.next;
        user.updatedAt = ctx.clock.now().toISOString();
        // contract §1.4: block/unblock record who did it as a custom attribute.
        if (name === "block" || name === "unblock") {
          user.customAttributes[`${name}ed_by`] = `${caller.user.username}/${caller.user.id}+${ctx.clock.now().toISOString()}`;
        }
      }
      return { status: 201, body: outcome.body };
    },
  };
}

/**
 * contract §1.4 "Approve" / §0.2: Users::ApproveService answers 201 {"message":"Success"} and activates a
 * user pending approval; any other state is 409 with the service's sentence ([users_spec]). GitLab's
 * route has no admin guard of its own (the service refuses non-admins); the emulator uses the API's
 * admin check, so a non-admin gets 403 "403 Forbidden" (wording inferred).
 */
function approve(ctx: Context): Reply {
  requireAdmin(ctx.caller);
  const user = requireUser(ctx.store, ctx.pathParams.id);
  if (user.state !== "blocked_pending_approval") throw new ApiError(409, { message: "The user you are trying to approve is not pending approval" });
  user.state = "active";
  user.updatedAt = ctx.clock.now().toISOString();
  return { status: 201, body: { message: "Success" } };
}

export const userModerationRoutes: RouteDef[] = [
  { method: "POST", pattern: "/api/v4/users/{id:int}/approve", access: "admin", scope: "api", handler: approve },
  moderationRoute("block", (user, caller) => block(user, caller)),
  moderationRoute("unblock", (user) => unblock(user)),
  moderationRoute("deactivate", (user, _caller, ctx) => deactivate(user, ctx.store.settings, ctx.clock.now())),
  moderationRoute("activate", (user) => activate(user)),
  moderationRoute("ban", (user) => ban(user)),
  moderationRoute("unban", (user) => unban(user)),
];
