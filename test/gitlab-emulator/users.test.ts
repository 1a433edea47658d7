/** contract §0, §1.1–§1.3, §1.5, §1.6, §2, §7.1 and checklist lines §9.1–§9.3, §9.8–§9.11, §9.15. */
import { useEmulator } from "./helpers";

const h = useEmulator();

interface NewUser {
  email: string;
  name: string;
  username: string;
  password?: string;
  [param: string]: unknown;
}

const newUser = (extra: Record<string, unknown> = {}): NewUser => {
  const username = h.unique("new");
  return { email: `${username}@example.org`, name: `New ${username}`, username, password: "s3cret-pass", ...extra };
};

describe("contract §0.1 / §9.1–§9.3 error envelopes", () => {
  test("contract §9.1 Grape parameter errors use the `error` key (missing params listed together)", async () => {
    const r = await h.call("POST", "/api/v4/users", { body: { password: "s3cret-pass" } });
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: "email is missing, name is missing, username is missing" });
  });

  test("contract §9.1 validation failures use {message: {field: [...]}}", async () => {
    const r = await h.call("POST", "/api/v4/users", { body: newUser({ password: "short" }) });
    expect(r).toMatchObject({ status: 400, body: { message: { password: ["is too short (minimum is 8 characters)"] } } });
  });

  test("contract §9.1 unknown routes answer {error: 404 Not Found}", async () => {
    const r = await h.call("GET", "/api/v4/no/such/thing");
    expect(r).toMatchObject({ status: 404, body: { error: "404 Not Found" } });
  });

  test("contract §0.1 a non-numeric user id falls through to the catch-all 404 (inferred)", async () => {
    const r = await h.call("POST", "/api/v4/users/ASDF/block");
    expect(r).toMatchObject({ status: 404, body: { error: "404 Not Found" } });
  });

  test("contract §9.2 user look-up → 404 User Not Found (capital F); member look-up → 404 Not found", async () => {
    expect((await h.call("GET", "/api/v4/users/987654")).body).toEqual({ message: "404 User Not Found" });
    const group = h.unique("g");
    h.seed({ groups: [{ path: group }] });
    expect((await h.call("GET", `/api/v4/groups/${group}/members/987654`)).body).toEqual({ message: "404 Not found" });
  });

  test("contract §9.3 forbidden! reasons carry the 403 Forbidden - prefix, service errors do not", async () => {
    const self = await h.call("POST", "/api/v4/users/1/block");
    expect(self.body.message).toBe("403 Forbidden - The API initiating user cannot be blocked by the API");
    const deactivated = h.user({ state: "deactivated" });
    const ban = await h.call("POST", `/api/v4/users/${deactivated.id}/ban`);
    expect(ban.body.message).toBe("You cannot ban deactivated users.");
  });
});

describe("contract §7.1 authentication", () => {
  test("contract §7.1 PRIVATE-TOKEN header, Bearer header, private_token and access_token query all authenticate", async () => {
    const t = h.emu.adminToken;
    const viaHeader = await h.call("GET", "/api/v4/user");
    const viaBearer = await h.call("GET", "/api/v4/user", { token: null, headers: { authorization: `Bearer ${t}` } });
    const viaPrivate = await h.call("GET", `/api/v4/user?private_token=${t}`, { token: null });
    const viaAccess = await h.call("GET", `/api/v4/user?access_token=${t}`, { token: null });
    for (const r of [viaHeader, viaBearer, viaPrivate, viaAccess]) expect(r).toMatchObject({ status: 200, body: { username: "root" } });
  });

  test("contract §7.1 missing or unknown token → 401 {message: 401 Unauthorized}", async () => {
    expect(await h.call("GET", "/api/v4/user", { token: null })).toMatchObject({ status: 401, body: { message: "401 Unauthorized" } });
    expect(await h.call("GET", "/api/v4/user", { token: "nope" })).toMatchObject({ status: 401, body: { message: "401 Unauthorized" } });
  });

  test("contract §7.1 non-admin on an admin endpoint → 403 {message: 403 Forbidden}", async () => {
    const user = h.user();
    const r = await h.call("POST", "/api/v4/users", { token: user.token, body: newUser() });
    expect(r).toMatchObject({ status: 403, body: { message: "403 Forbidden" } });
  });

  test("contract §7.1 revoked and expired tokens → 401 invalid_token with rack-oauth2 descriptions", async () => {
    const revoked = h.user({ tokens: [{ token: h.unique("revoked-"), revoked: true }] });
    const expired = h.user({ tokens: [{ token: h.unique("expired-"), expiresAt: "2020-01-01" }] });
    const r1 = await h.call("GET", "/api/v4/user", { token: h.emu.state.findUser(revoked.id) && [...h.emu.state.tokensById.values()].find((t) => t.userId === revoked.id)!.token });
    expect(r1).toMatchObject({ status: 401, body: { error: "invalid_token", error_description: "Token was revoked. You have to re-authorize from the user." } });
    const r2 = await h.call("GET", "/api/v4/user", { token: [...h.emu.state.tokensById.values()].find((t) => t.userId === expired.id)!.token });
    expect(r2).toMatchObject({ status: 401, body: { error: "invalid_token", error_description: "Token is expired. You can either do re-authorization or token refresh." } });
  });

  test("contract §7.1 a read_user token cannot write → 403 insufficient_scope", async () => {
    const token = h.unique("readonly-");
    h.user({ tokens: [{ token, scopes: ["read_user"] }] });
    expect((await h.call("GET", "/api/v4/user", { token })).status).toBe(200);
    const r = await h.call("POST", "/api/v4/groups", { token, body: { name: "x", path: h.unique("x") } });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: "insufficient_scope", scope: "api" });
  });

  test("contract §0.3 Admin Mode: an admin token without the admin_mode scope is not admin", async () => {
    const token = h.unique("adm-");
    h.user({ admin: true, tokens: [{ token, scopes: ["api"] }] });
    await h.call("PUT", "/-/emulator/settings", { body: { adminMode: true } });
    try {
      expect((await h.call("POST", "/api/v4/users", { token, body: newUser() })).status).toBe(403);
      expect((await h.call("POST", "/api/v4/users", { body: newUser() })).status).toBe(201); // root's token has admin_mode
    } finally {
      await h.call("PUT", "/-/emulator/settings", { body: { adminMode: false } });
    }
  });
});

describe("contract §1.1 / §1.2 / §9.8 create", () => {
  test("contract §1.2 POST /users → 201 admin entity with identities from provider+extern_uid", async () => {
    const input = newUser({ provider: "saml", extern_uid: h.unique("uid-"), skip_confirmation: true });
    const r = await h.call("POST", "/api/v4/users", { body: input });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ username: input.username, email: input.email, state: "active", is_admin: false, identities: [{ provider: "saml", extern_uid: input.extern_uid }] });
    expect(r.body.confirmed_at).not.toBeNull();
    expect(r.body.created_by).toMatchObject({ id: 1, username: "root" });
  });

  test("contract §1.2 at least one of password, reset_password, force_random_password is required", async () => {
    const { password: _omit, ...input } = newUser();
    const r = await h.call("POST", "/api/v4/users", { body: input });
    expect(r.body).toEqual({ error: "password, reset_password, force_random_password are missing, at least one parameter must be provided" });
    expect((await h.call("POST", "/api/v4/users", { body: { ...input, force_random_password: true } })).status).toBe(201);
  });

  test("contract §9.8 duplicate email → 409 Email has already been taken (checked before username)", async () => {
    const first = newUser();
    await h.call("POST", "/api/v4/users", { body: first });
    const r = await h.call("POST", "/api/v4/users", { body: { ...first, email: first.email.toUpperCase() } });
    expect(r).toMatchObject({ status: 409, body: { message: "Email has already been taken" } });
  });

  test("contract §9.8 duplicate username, case-insensitive → 409 Username has already been taken", async () => {
    const first = newUser();
    await h.call("POST", "/api/v4/users", { body: first });
    const r = await h.call("POST", "/api/v4/users", { body: { ...newUser(), username: first.username.toUpperCase() } });
    expect(r).toMatchObject({ status: 409, body: { message: "Username has already been taken" } });
  });

  test("contract §1.2 a confirmed secondary email counts as taken (409); an unconfirmed one is a 400", async () => {
    const confirmed = `${h.unique("c")}@example.org`;
    const unconfirmed = `${h.unique("u")}@example.org`;
    h.user({ secondaryEmails: [{ email: confirmed, confirmed: true }, { email: unconfirmed, confirmed: false }] });
    expect((await h.call("POST", "/api/v4/users", { body: newUser({ email: confirmed }) })).status).toBe(409);
    const r = await h.call("POST", "/api/v4/users", { body: newUser({ email: unconfirmed }) });
    expect(r).toMatchObject({ status: 400, body: { message: { email: ["has already been taken"] } } });
  });

  test("contract §1.2 a username equal to a group path is a 400 on base, not a 409 (inferred wording)", async () => {
    const path = h.unique("grp");
    h.seed({ groups: [{ path }] });
    const r = await h.call("POST", "/api/v4/users", { body: newUser({ username: path }) });
    expect(r).toMatchObject({ status: 400, body: { message: { base: ["A user, alias, or group already exists with that username."] } } });
  });

  test("contract §1.2 only one of provider / extern_uid → 400 all or none (wording inferred)", async () => {
    const r = await h.call("POST", "/api/v4/users", { body: newUser({ provider: "saml" }) });
    expect(r).toMatchObject({ status: 400, body: { error: "extern_uid, provider provide all or none of parameters" } });
  });

  test("contract Addenda a duplicate extern_uid on create → 400 on identities.extern_uid (inferred)", async () => {
    const uid = h.unique("dup-");
    h.user({ identities: [{ provider: "saml", externUid: uid }] });
    const r = await h.call("POST", "/api/v4/users", { body: newUser({ provider: "saml", extern_uid: uid }) });
    expect(r).toMatchObject({ status: 400, body: { message: { "identities.extern_uid": ["has already been taken"] } } });
  });
});

describe("contract §1.3 / §9.9 update", () => {
  test("contract §9.9 PUT email without skip_reconfirmation leaves email unchanged", async () => {
    const user = h.user();
    const before = h.emu.state.findUser(user.id)!.email;
    const r = await h.call("PUT", `/api/v4/users/${user.id}`, { body: { email: `${h.unique("n")}@example.org` } });
    expect(r.status).toBe(200);
    expect(r.body.email).toBe(before);
    const changed = `${h.unique("m")}@example.org`;
    const r2 = await h.call("PUT", `/api/v4/users/${user.id}`, { body: { email: changed, skip_reconfirmation: true } });
    expect(r2.body.email).toBe(changed);
  });

  test("contract §1.3 PUT conflicts exclude the user itself; another user's username → 409", async () => {
    const a = h.user();
    const b = h.user();
    expect((await h.call("PUT", `/api/v4/users/${a.id}`, { body: { username: a.username.toUpperCase() } })).status).toBe(200);
    const r = await h.call("PUT", `/api/v4/users/${a.id}`, { body: { username: b.username } });
    expect(r).toMatchObject({ status: 409, body: { message: "Username has already been taken" } });
  });

  test("contract §1.3 / §2 PUT provider+extern_uid overwrites that provider's identity (one per provider)", async () => {
    const user = h.user({ identities: [{ provider: "saml", externUid: h.unique("old-") }] });
    const uid = h.unique("new-");
    const r = await h.call("PUT", `/api/v4/users/${user.id}`, { body: { provider: "saml", extern_uid: uid } });
    expect(r.body.identities).toEqual([{ provider: "saml", extern_uid: uid }]);
  });

  test("contract Addenda PUT with an extern_uid linked to someone else → 200, identity unchanged (inferred)", async () => {
    const uid = h.unique("taken-");
    h.user({ identities: [{ provider: "saml", externUid: uid }] });
    const other = h.user();
    const r = await h.call("PUT", `/api/v4/users/${other.id}`, { body: { provider: "saml", extern_uid: uid } });
    expect(r.status).toBe(200);
    expect(r.body.identities).toEqual([]);
  });

  test("user.rb update_emails_with_primary_email: the old primary stays as a confirmed secondary email, so reusing it → 409", async () => {
    const old = `${h.unique("old")}@example.org`;
    const user = h.user({ email: old });
    const other = h.user();
    const changed = `${h.unique("new")}@example.org`;
    expect((await h.call("PUT", `/api/v4/users/${user.id}`, { body: { email: changed, skip_reconfirmation: true } })).body.email).toBe(changed);
    expect(h.emu.state.findUser(user.id)!.secondaryEmails).toEqual([{ email: old, confirmed: true }]);
    const create = await h.call("POST", "/api/v4/users", { body: { email: old, name: "X", username: h.unique("reuse"), force_random_password: true } });
    expect(create).toMatchObject({ status: 409, body: { message: "Email has already been taken" } });
    const update = await h.call("PUT", `/api/v4/users/${other.id}`, { body: { email: old, skip_reconfirmation: true } });
    expect(update).toMatchObject({ status: 409, body: { message: "Email has already been taken" } });
    // the user's own previous address is theirs: changing back needs no reconfirmation (check_for_verified_email)
    const back = await h.call("PUT", `/api/v4/users/${user.id}`, { body: { email: old } });
    expect(back).toMatchObject({ status: 200, body: { email: old } });
    expect(h.emu.state.findUser(user.id)!.secondaryEmails).toEqual([{ email: changed, confirmed: true }]);
  });

  test("user.rb update_emails_with_primary_email: an unconfirmed old primary stays unconfirmed, so reusing it → 400 (contract §1.2)", async () => {
    const old = `${h.unique("unconf")}@example.org`;
    const user = h.user({ email: old, confirmedAt: null });
    await h.call("PUT", `/api/v4/users/${user.id}`, { body: { email: `${h.unique("n")}@example.org`, skip_reconfirmation: true } });
    const create = await h.call("POST", "/api/v4/users", { body: { email: old, name: "X", username: h.unique("reuse"), force_random_password: true } });
    expect(create).toMatchObject({ status: 400, body: { message: { email: ["has already been taken"] } } });
  });

  test("contract §1.1 PUT an unknown user → 404 User Not Found", async () => {
    expect((await h.call("PUT", "/api/v4/users/999991", { body: { name: "x" } })).body).toEqual({ message: "404 User Not Found" });
  });
});

describe("contract §1.5 / §9.10 delete", () => {
  test("contract §9.10 DELETE /users/:id is async: 204 now, the record lingers until the job runs", async () => {
    await h.call("PUT", "/-/emulator/settings", { body: { userDeletionDelayMs: 60_000 } });
    try {
      const user = h.user();
      expect((await h.call("DELETE", `/api/v4/users/${user.id}`)).status).toBe(204);
      expect((await h.call("GET", `/api/v4/users/${user.id}`)).status).toBe(200);
      await h.call("POST", "/-/emulator/jobs/flush");
      expect((await h.call("GET", `/api/v4/users/${user.id}`)).status).toBe(404);
    } finally {
      await h.call("PUT", "/-/emulator/settings", { body: { userDeletionDelayMs: 0 } });
    }
  });

  test("contract §9.10 sole group owner → 409 unless hard_delete, which blocks at once and removes owned groups", async () => {
    await h.call("PUT", "/-/emulator/settings", { body: { userDeletionDelayMs: 60_000 } });
    try {
      const owner = h.user();
      const group = h.unique("owned");
      h.seed({ groups: [{ path: group, members: [{ username: owner.username, accessLevel: 50 }] }] });
      const r = await h.call("DELETE", `/api/v4/users/${owner.id}`);
      expect(r).toMatchObject({ status: 409, body: { message: "User cannot be removed while is the sole-owner of a group" } });
      expect((await h.call("DELETE", `/api/v4/users/${owner.id}?hard_delete=true`)).status).toBe(204);
      expect(h.emu.state.findUser(owner.id)!.state).toBe("blocked");
      h.emu.flushJobs();
      expect(h.emu.state.findUser(owner.id)).toBeUndefined();
      expect((await h.call("GET", `/api/v4/groups/${group}`)).status).toBe(404);
    } finally {
      await h.call("PUT", "/-/emulator/settings", { body: { userDeletionDelayMs: 0 } });
    }
  });

  test("contract §0.1 DELETE with a stale If-Unmodified-Since → 412 (wording inferred)", async () => {
    const user = h.user();
    const r = await h.call("DELETE", `/api/v4/users/${user.id}`, { headers: { "if-unmodified-since": "Mon, 01 Jan 2001 00:00:00 GMT" } });
    expect(r).toMatchObject({ status: 412, body: { message: "412 Precondition Failed" } });
  });
});

describe("contract §1.6 / §2 / §9.11 listing and search", () => {
  test("contract §1.6 username is exact and case-insensitive; anonymous may use it", async () => {
    const user = h.user();
    const r = await h.call("GET", `/api/v4/users?username=${user.username.toUpperCase()}`, { token: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual([{ id: user.id, username: user.username, name: user.username, state: "active", locked: false, avatar_url: expect.any(String), web_url: `${h.emu.url}/${user.username}` }]);
  });

  test("contract §1.1 anonymous list without username → 403 Not authorized to access /api/v4/users", async () => {
    const r = await h.call("GET", "/api/v4/users", { token: null });
    expect(r).toMatchObject({ status: 403, body: { message: "403 Forbidden - Not authorized to access /api/v4/users" } });
  });

  test("contract §1.6 search matches an email only as the exact full address (admins: private email too)", async () => {
    const user = h.user({ email: `${h.unique("mail")}@corp.example` });
    const email = h.emu.state.findUser(user.id)!.email;
    expect((await h.call("GET", `/api/v4/users?search=${email}`)).body.map((u: { id: number }) => u.id)).toEqual([user.id]);
    expect((await h.call("GET", `/api/v4/users?search=${email.slice(0, -3)}`)).body).toEqual([]);
    const other = h.user();
    expect((await h.call("GET", `/api/v4/users?search=${email}`, { token: other.token })).body).toEqual([]);
  });

  test("contract §9.11 extern_uid+provider is admin-only and returns an array", async () => {
    const uid = h.unique("ext-");
    const user = h.user({ identities: [{ provider: "saml", externUid: uid }] });
    const r = await h.call("GET", `/api/v4/users?extern_uid=${uid}&provider=saml`);
    expect(r.body.map((u: { id: number }) => u.id)).toEqual([user.id]);
    expect((await h.call("GET", `/api/v4/users?extern_uid=none&provider=saml`)).body).toEqual([]);
    const other = h.user();
    expect(await h.call("GET", `/api/v4/users?extern_uid=${uid}&provider=saml`, { token: other.token })).toMatchObject({ status: 403, body: { message: "403 Forbidden" } });
  });

  test("contract Addenda extern_uid matching is case-insensitive (unconfirmed reading)", async () => {
    const uid = h.unique("CaseUid-");
    const user = h.user({ identities: [{ provider: "saml", externUid: uid }] });
    const r = await h.call("GET", `/api/v4/users?extern_uid=${uid.toLowerCase()}&provider=saml`);
    expect(r.body.map((u: { id: number }) => u.id)).toEqual([user.id]);
  });

  test("contract §1.6 blocked=true lists blocked and ldap_blocked only; active=true excludes internal users", async () => {
    const tag = h.unique("st");
    const ids: Record<string, number> = {};
    for (const state of ["active", "blocked", "ldap_blocked", "banned", "deactivated"] as const) ids[state] = h.user({ username: `${tag}${state}`, state }).id;
    const bot = h.user({ username: `${tag}bot`, userType: "internal" }).id;
    const blocked = await h.call("GET", `/api/v4/users?search=${tag}&blocked=true`);
    expect(blocked.body.map((u: { id: number }) => u.id).sort()).toEqual([ids.blocked, ids.ldap_blocked].sort());
    const active = await h.call("GET", `/api/v4/users?search=${tag}&active=true`);
    expect(active.body.map((u: { id: number }) => u.id)).toEqual([ids.active]);
    expect(active.body.map((u: { id: number }) => u.id)).not.toContain(bot);
  });

  test("contract §1.6 admins get id DESC by default, order_by/sort apply; non-admins' order params are dropped", async () => {
    const tag = h.unique("ord");
    const a = h.user({ username: `${tag}b`, name: "Zed" }).id;
    const b = h.user({ username: `${tag}a`, name: "Amy" }).id;
    expect((await h.call("GET", `/api/v4/users?search=${tag}`)).body.map((u: { id: number }) => u.id)).toEqual([b, a]);
    expect((await h.call("GET", `/api/v4/users?search=${tag}&order_by=name&sort=asc`)).body.map((u: { id: number }) => u.id)).toEqual([b, a]);
    expect((await h.call("GET", `/api/v4/users?search=${tag}&order_by=id&sort=asc`)).body.map((u: { id: number }) => u.id)).toEqual([a, b]);
    expect((await h.call("GET", `/api/v4/users?order_by=email`)).body).toEqual({ error: "order_by does not have a valid value" });
  });

  test("contract §1.1 GET /users/:id/memberships lists direct memberships; bad type → 400", async () => {
    const user = h.user();
    const group = h.unique("m");
    h.seed({ groups: [{ path: group, members: [{ username: user.username, accessLevel: 30 }] }, { path: "sub", parent: group }] });
    const r = await h.call("GET", `/api/v4/users/${user.id}/memberships`);
    expect(r.body).toEqual([{ source_id: h.emu.state.findGroupByFullPath(group)!.id, source_name: group, source_type: "Namespace", access_level: 30 }]);
    expect((await h.call("GET", `/api/v4/users/${user.id}/memberships?type=Project`)).body).toEqual([]);
    expect((await h.call("GET", `/api/v4/users/${user.id}/memberships?type=Group`)).body).toEqual({ error: "type does not have a valid value" });
  });

  test("contract §2 DELETE /users/:id/identities/:provider → 204, then 404 Identity Not Found", async () => {
    const user = h.user({ identities: [{ provider: "saml", externUid: h.unique("i-") }] });
    expect((await h.call("DELETE", `/api/v4/users/${user.id}/identities/saml`)).status).toBe(204);
    expect((await h.call("DELETE", `/api/v4/users/${user.id}/identities/saml`)).body).toEqual({ message: "404 Identity Not Found" });
  });
});

describe("contract §1.1 / §9.15 current user and metadata", () => {
  test("contract §9.15 non-admin GET /user has no is_admin key; admin gets is_admin true", async () => {
    const user = h.user();
    const mine = await h.call("GET", "/api/v4/user", { token: user.token });
    expect(mine.status).toBe(200);
    expect(mine.body).not.toHaveProperty("is_admin");
    expect((await h.call("GET", "/api/v4/user")).body.is_admin).toBe(true);
  });

  test("contract §1.1 GET /users/:id: anonymous → 403 Not authorized!, users get the profile, admins the admin entity", async () => {
    const user = h.user();
    expect((await h.call("GET", `/api/v4/users/${user.id}`, { token: null })).body).toEqual({ message: "403 Forbidden - Not authorized!" });
    expect((await h.call("GET", `/api/v4/users/${user.id}`, { token: user.token })).body).not.toHaveProperty("email");
    expect((await h.call("GET", `/api/v4/users/${user.id}`)).body).toHaveProperty("email");
  });

  test("contract §1.1 GET /metadata and /version need a token and describe the instance", async () => {
    expect((await h.call("GET", "/api/v4/metadata", { token: null })).status).toBe(401);
    const r = await h.call("GET", "/api/v4/metadata");
    expect(r.body).toMatchObject({ version: expect.any(String), revision: expect.any(String), enterprise: expect.any(Boolean) });
    expect((await h.call("GET", "/api/v4/version")).body.version).toBe(r.body.version);
  });
});
