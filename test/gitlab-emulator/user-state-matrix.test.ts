/**
 * contract §1.4: the API result matrix of the user state machine, one test per cell (rows = state,
 * columns = call), plus the extra rules listed under the matrix.
 */
import { useEmulator } from "./helpers";
import type { UserState } from "../../tools/gitlab-emulator/state/types";

const h = useEmulator();

type Cell = [state: UserState, action: string, status: number, body: unknown, after: UserState, note?: string];

const blockedDeactivate = { message: "Error occurred. A blocked user cannot be deactivated" };
const blockedActivate = { message: "Error occurred. A blocked user must be unblocked to be activated" };

const matrix: Cell[] = [
  ["active", "block", 201, true, "blocked"],
  ["active", "unblock", 201, false, "active", "(body inferred)"],
  ["active", "deactivate", 201, true, "deactivated", "(dormant: never active, inferred)"],
  ["active", "activate", 201, true, "active"],
  ["active", "ban", 201, true, "banned"],
  ["active", "unban", 403, { message: "You cannot unban active users." }, "active"],
  ["blocked", "block", 201, null, "blocked"],
  ["blocked", "unblock", 201, true, "active"],
  ["blocked", "deactivate", 403, blockedDeactivate, "blocked"],
  ["blocked", "activate", 403, blockedActivate, "blocked"],
  ["blocked", "ban", 403, { message: "You cannot ban blocked users." }, "blocked", "(inferred)"],
  ["blocked", "unban", 403, { message: "You cannot unban blocked users." }, "blocked", "(inferred)"],
  ["deactivated", "block", 201, true, "blocked"],
  ["deactivated", "unblock", 403, { message: "403 Forbidden - Deactivated users cannot be unblocked by the API" }, "deactivated"],
  ["deactivated", "deactivate", 201, null, "deactivated"],
  ["deactivated", "activate", 201, true, "active"],
  ["deactivated", "ban", 403, { message: "You cannot ban deactivated users." }, "deactivated"],
  ["deactivated", "unban", 403, { message: "You cannot unban deactivated users." }, "deactivated"],
  ["banned", "block", 201, null, "banned", "(inferred)"],
  ["banned", "unblock", 201, true, "active", "(inferred)"],
  ["banned", "deactivate", 403, blockedDeactivate, "banned", "(inferred)"],
  ["banned", "activate", 403, blockedActivate, "banned", "(inferred)"],
  ["banned", "ban", 403, { message: "You cannot ban banned users." }, "banned"],
  ["banned", "unban", 201, true, "active"],
  ["ldap_blocked", "block", 403, { message: "403 Forbidden - LDAP blocked users cannot be modified by the API" }, "ldap_blocked"],
  ["ldap_blocked", "unblock", 403, { message: "403 Forbidden - LDAP blocked users cannot be unblocked by the API" }, "ldap_blocked"],
  ["ldap_blocked", "deactivate", 403, blockedDeactivate, "ldap_blocked"],
  ["ldap_blocked", "activate", 403, blockedActivate, "ldap_blocked"],
  ["ldap_blocked", "ban", 403, { message: "You cannot ban ldap_blocked users." }, "ldap_blocked"],
  ["ldap_blocked", "unban", 403, { message: "You cannot unban ldap_blocked users." }, "ldap_blocked"],
];

describe("contract §1.4 user state matrix", () => {
  const cells = matrix.map(([state, action, status, body, after, note]) => [state, action, status, body, after, note ?? ""] as const);
  test.each(cells)("contract §1.4 %s user: %s → %i %j, then %s %s", async (state, action, status, body, after) => {
    const user = h.user({ state });
    const r = await h.call("POST", `/api/v4/users/${user.id}/${action}`);
    expect(r.status).toBe(status);
    expect(r.body).toEqual(body);
    expect(h.emu.state.findUser(user.id)!.state).toBe(after);
  });

  test.each(["block", "unblock", "deactivate", "activate", "ban", "unban"])(
    "contract §1.4 any state, user not found: %s → 404 User Not Found",
    async (action) => {
      const r = await h.call("POST", `/api/v4/users/999999/${action}`);
      expect(r.status).toBe(404);
      expect(r.body).toEqual({ message: "404 User Not Found" });
    },
  );

  test.each(["block", "unblock", "deactivate", "activate", "ban", "unban"])("contract §1.4 non-admin caller: %s → 403", async (action) => {
    const caller = h.user();
    const target = h.user();
    const r = await h.call("POST", `/api/v4/users/${target.id}/${action}`, { token: caller.token });
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ message: "403 Forbidden" });
    expect(h.emu.state.findUser(target.id)!.state).toBe("active");
  });
});

describe("contract §1.4 extra rules", () => {
  test("contract §1.4 blocking yourself → 403 The API initiating user cannot be blocked by the API", async () => {
    const r = await h.call("POST", "/api/v4/users/1/block");
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ message: "403 Forbidden - The API initiating user cannot be blocked by the API" });
  });

  test("contract §1.4 blocking an internal user → 403 An internal user cannot be blocked", async () => {
    const bot = h.user({ userType: "internal" });
    const r = await h.call("POST", `/api/v4/users/${bot.id}/block`);
    expect(r).toMatchObject({ status: 403, body: { message: "An internal user cannot be blocked" } });
  });

  test("contract §1.4 deactivating an internal user → 403 Internal users cannot be deactivated", async () => {
    const bot = h.user({ userType: "internal" });
    const r = await h.call("POST", `/api/v4/users/${bot.id}/deactivate`);
    expect(r).toMatchObject({ status: 403, body: { message: "Internal users cannot be deactivated" } });
  });

  test("contract §1.4 / §9.5 deactivating a recently active user → 403 with the configured period", async () => {
    const user = h.user({ recentlyActive: true });
    const r = await h.call("POST", `/api/v4/users/${user.id}/deactivate`);
    expect(r.status).toBe(403);
    expect(r.body).toEqual({ message: "The user you are trying to deactivate has been active in the past 90 days and cannot be deactivated" });
  });

  test("contract §1.4 dormancy: 91 days idle can be deactivated, 89 days idle cannot", async () => {
    const day = (n: number) => new Date(h.clock.ms - n * 86_400_000).toISOString().slice(0, 10);
    const old = h.user({ lastActivityOn: day(91) });
    const recent = h.user({ lastActivityOn: day(89) });
    expect((await h.call("POST", `/api/v4/users/${old.id}/deactivate`)).status).toBe(201);
    expect((await h.call("POST", `/api/v4/users/${recent.id}/deactivate`)).status).toBe(403);
  });

  test("contract §1.4 dormancy uses the later of last_activity_on and current_sign_in_at", async () => {
    const user = h.user({ lastActivityOn: "2020-01-01", currentSignInAt: h.clock.now().toISOString() });
    const r = await h.call("POST", `/api/v4/users/${user.id}/deactivate`);
    expect(r.status).toBe(403);
  });

  test("contract §1.4 the dormancy period is configurable and the message names it", async () => {
    await h.call("PUT", "/-/emulator/settings", { body: { deactivateDormantUsersPeriodDays: 180 } });
    try {
      const day100 = new Date(h.clock.ms - 100 * 86_400_000).toISOString().slice(0, 10);
      const user = h.user({ lastActivityOn: day100 });
      const r = await h.call("POST", `/api/v4/users/${user.id}/deactivate`);
      expect(r.body).toEqual({ message: "The user you are trying to deactivate has been active in the past 180 days and cannot be deactivated" });
    } finally {
      await h.call("PUT", "/-/emulator/settings", { body: { deactivateDormantUsersPeriodDays: 90 } });
    }
  });

  test("contract §1.4 the dormancy period cannot be set below GitLab's minimum of 90 days", async () => {
    const r = await h.call("PUT", "/-/emulator/settings", { body: { deactivateDormantUsersPeriodDays: 30 } });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/deactivateDormantUsersPeriodDays/);
  });

  test("contract §1.4 block records blocked_by as <admin username>/<admin id>+<timestamp>", async () => {
    const user = h.user();
    await h.call("POST", `/api/v4/users/${user.id}/block`);
    expect(h.emu.state.findUser(user.id)!.customAttributes.blocked_by).toMatch(/^root\/1\+\d{4}-/);
  });

  test("contract §1.4 a user's own API call counts as activity and prevents deactivation (Addenda)", async () => {
    const user = h.user();
    expect((await h.call("GET", "/api/v4/user", { token: user.token })).status).toBe(200);
    const r = await h.call("POST", `/api/v4/users/${user.id}/deactivate`);
    expect(r.status).toBe(403);
  });
});

describe("contract §1.4 approve", () => {
  test("contract §1.4 / §0.2 approving a user pending approval → 201 {\"message\":\"Success\"}, now active", async () => {
    const user = h.user({ state: "blocked_pending_approval" });
    expect(await h.call("POST", `/api/v4/users/${user.id}/approve`)).toMatchObject({ status: 201, body: { message: "Success" } });
    expect(h.emu.state.findUser(user.id)!.state).toBe("active");
  });

  test.each(["active", "blocked", "deactivated", "banned", "ldap_blocked"] as const)("contract §1.4 approving a %s user → 409 not pending approval", async (state) => {
    const user = h.user({ state });
    const r = await h.call("POST", `/api/v4/users/${user.id}/approve`);
    expect(r).toMatchObject({ status: 409, body: { message: "The user you are trying to approve is not pending approval" } });
    expect(h.emu.state.findUser(user.id)!.state).toBe(state);
  });

  test("contract §1.4 approve: unknown user → 404 User Not Found; non-admin → 403 (wording inferred)", async () => {
    expect(await h.call("POST", "/api/v4/users/999995/approve")).toMatchObject({ status: 404, body: { message: "404 User Not Found" } });
    const pending = h.user({ state: "blocked_pending_approval" });
    const plain = h.user();
    expect((await h.call("POST", `/api/v4/users/${pending.id}/approve`, { token: plain.token })).status).toBe(403);
  });
});

describe("contract §1.4 what happens to a moderated user's things", () => {
  test.each([
    ["blocked", "403 Forbidden - Your account has been blocked."],
    ["banned", "403 Forbidden - Your account has been blocked."],
    ["ldap_blocked", "403 Forbidden - Your account has been blocked."],
    ["blocked_pending_approval", "403 Forbidden - Your account is pending approval from your administrator and hence blocked."],
  ] as [UserState, string][])("contract §1.4 a %s user's own token → 403 %s", async (state, message) => {
    const user = h.user({ state });
    const r = await h.call("GET", "/api/v4/user", { token: user.token });
    expect(r).toMatchObject({ status: 403, body: { message } });
  });

  test("contract §1.4 a deactivated user's own token → 403 naming the instance URL", async () => {
    const user = h.user({ state: "deactivated" });
    const r = await h.call("GET", "/api/v4/user", { token: user.token });
    expect(r.status).toBe(403);
    expect(r.body.message).toBe(
      `403 Forbidden - Your account has been deactivated by your administrator. Please log back in from a web browser to reactivate your account at ${h.emu.url}`,
    );
  });

  test("contract §1.4 / §9.7 block keeps memberships and tokens; unblock makes the token work again", async () => {
    const user = h.user();
    const group = h.unique("keep");
    h.seed({ groups: [{ path: group, members: [{ username: user.username, accessLevel: 30 }] }] });
    await h.call("POST", `/api/v4/users/${user.id}/block`);
    const members = await h.call("GET", `/api/v4/groups/${group}/members`);
    expect(members.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: user.id, state: "blocked" })]));
    const tokens = await h.call("GET", `/api/v4/personal_access_tokens?user_id=${user.id}`);
    expect(tokens.body).toEqual([expect.objectContaining({ revoked: false, active: true })]);
    await h.call("POST", `/api/v4/users/${user.id}/unblock`);
    expect((await h.call("GET", "/api/v4/user", { token: user.token })).status).toBe(200);
  });
});

describe("contract §9 checklist lines on the state machine", () => {
  test("contract §9.4 actions answer 201 true; already blocked / deactivated answer 201 null; unblocking an active user 201 false (inferred)", async () => {
    const user = h.user();
    expect(await h.call("POST", `/api/v4/users/${user.id}/block`)).toMatchObject({ status: 201, body: true });
    expect(await h.call("POST", `/api/v4/users/${user.id}/block`)).toMatchObject({ status: 201, body: null });
    const dormant = h.user({ state: "deactivated" });
    expect(await h.call("POST", `/api/v4/users/${dormant.id}/deactivate`)).toMatchObject({ status: 201, body: null });
    const active = h.user();
    const r = await h.call("POST", `/api/v4/users/${active.id}/unblock`);
    expect(r).toMatchObject({ status: 201, body: false });
    expect(r.text).toBe("false");
  });

  test("contract §9.6 unblocking a deactivated user is 403; activating a blocked user is 403; banning needs an active user", async () => {
    const deactivated = h.user({ state: "deactivated" });
    expect((await h.call("POST", `/api/v4/users/${deactivated.id}/unblock`)).status).toBe(403);
    const blocked = h.user({ state: "blocked" });
    expect((await h.call("POST", `/api/v4/users/${blocked.id}/activate`)).status).toBe(403);
    expect((await h.call("POST", `/api/v4/users/${blocked.id}/ban`)).status).toBe(403);
    const active = h.user();
    expect(await h.call("POST", `/api/v4/users/${active.id}/ban`)).toMatchObject({ status: 201, body: true });
  });
});
