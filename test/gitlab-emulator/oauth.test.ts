/** contract §7.3: GitLab as the OAuth 2.0 provider of the bridge's admin sign-in. */
import { createHash, randomBytes } from "node:crypto";
import { useEmulator } from "./helpers";

const REDIRECT = "http://bridge.test/admin/callback";
const h = useEmulator({
  seed: {
    users: [
      { username: "alice", password: "alice-password", admin: true },
      { username: "bob", password: "bob-password", lastActivityOn: "2020-01-01" },
      { username: "mallory", password: "mallory-password", state: "blocked" },
    ],
    groups: [{ path: "eng", members: [{ username: "bob", accessLevel: 30 }] }],
    oauthApplications: [
      { clientId: "bridge", clientSecret: "bridge-secret", redirectUris: [REDIRECT], scopes: ["openid", "profile", "email", "read_user", "api"] },
      { clientId: "public-spa", redirectUris: [REDIRECT], scopes: ["openid", "read_user"] },
    ],
  },
});

const pkce = () => {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
};

async function autoApprove(username: string | null) {
  await h.call("PUT", "/-/emulator/settings", { body: { oauthAutoApproveUsername: username } });
}

async function authorize(query: Record<string, string>) {
  const r = await h.call("GET", `/oauth/authorize?${new URLSearchParams({ client_id: "bridge", redirect_uri: REDIRECT, response_type: "code", state: "xyz", ...query })}`, { token: null });
  return { r, location: r.headers.get("location") ? new URL(r.headers.get("location")!) : null };
}

async function exchange(form: Record<string, string>) {
  return h.call("POST", "/oauth/token", { token: null, form });
}

/** Signs `username` in through auto-approve and returns the token response. */
async function signIn(username: string, scope = "openid read_user") {
  await autoApprove(username);
  const { verifier, challenge } = pkce();
  const { location } = await authorize({ scope, code_challenge: challenge, code_challenge_method: "S256" });
  const t = await exchange({ grant_type: "authorization_code", code: location!.searchParams.get("code")!, redirect_uri: REDIRECT, client_id: "bridge", client_secret: "bridge-secret", code_verifier: verifier });
  expect(t.status).toBe(200);
  return t.body;
}

afterEach(() => autoApprove(null));

describe("contract §7.3 authorization code with PKCE", () => {
  test("contract §7.3 auto-approve signs the chosen user in: redirect with code and state, token exchange with S256", async () => {
    const body = await signIn("alice");
    expect(body).toMatchObject({ token_type: "bearer", expires_in: 7200, access_token: expect.any(String), refresh_token: expect.any(String), created_at: expect.any(Number) });
  });

  test("contract §7.3 a wrong code_verifier → 400 invalid_grant; codes are single use", async () => {
    await autoApprove("alice");
    const { verifier, challenge } = pkce();
    const { location } = await authorize({ scope: "openid", code_challenge: challenge, code_challenge_method: "S256" });
    const code = location!.searchParams.get("code")!;
    const base = { grant_type: "authorization_code", code, redirect_uri: REDIRECT, client_id: "bridge", client_secret: "bridge-secret" };
    const bad = await exchange({ ...base, code_verifier: "wrong" });
    expect(bad).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect((await exchange({ ...base, code_verifier: verifier })).body.error).toBe("invalid_grant"); // consumed by the failed attempt
  });

  test("contract §7.3 redirect_uri must match the one of the authorization request", async () => {
    await autoApprove("alice");
    const { verifier, challenge } = pkce();
    const { location } = await authorize({ code_challenge: challenge, code_challenge_method: "S256" });
    const r = await exchange({ grant_type: "authorization_code", code: location!.searchParams.get("code")!, redirect_uri: "http://evil.test/cb", client_id: "bridge", client_secret: "bridge-secret", code_verifier: verifier });
    expect(r).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
  });

  test("contract §7.3 a public client exchanges with code_verifier and no secret; a confidential one needs its secret", async () => {
    await autoApprove("bob");
    const { verifier, challenge } = pkce();
    const { location } = await authorize({ client_id: "public-spa", scope: "openid", code_challenge: challenge, code_challenge_method: "S256" });
    const ok = await exchange({ grant_type: "authorization_code", code: location!.searchParams.get("code")!, redirect_uri: REDIRECT, client_id: "public-spa", code_verifier: verifier });
    expect(ok.status).toBe(200);
    const p2 = pkce();
    const second = await authorize({ code_challenge: p2.challenge, code_challenge_method: "S256" });
    const noSecret = await exchange({ grant_type: "authorization_code", code: second.location!.searchParams.get("code")!, redirect_uri: REDIRECT, client_id: "bridge", code_verifier: p2.verifier });
    expect(noSecret).toMatchObject({ status: 401, body: { error: "invalid_client" } });
  });

  test("contract §7.3 refresh_token grant issues new tokens and invalidates the old access and refresh tokens", async () => {
    const first = await signIn("alice");
    const refreshed = await exchange({ grant_type: "refresh_token", refresh_token: first.refresh_token, client_id: "bridge", client_secret: "bridge-secret" });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(first.access_token);
    expect((await h.call("GET", "/api/v4/user", { token: null, headers: { authorization: `Bearer ${first.access_token}` } })).status).toBe(401);
    expect((await exchange({ grant_type: "refresh_token", refresh_token: first.refresh_token, client_id: "bridge", client_secret: "bridge-secret" })).body.error).toBe("invalid_grant");
    expect((await h.call("GET", "/api/v4/user", { token: null, headers: { authorization: `Bearer ${refreshed.body.access_token}` } })).status).toBe(200);
  });

  test("contract §7.3 access tokens expire after 7200 s → 401 invalid_token expired", async () => {
    const t = await signIn("alice");
    h.clock.advance(7200 * 1000);
    const r = await h.call("GET", "/api/v4/user", { token: null, headers: { authorization: `Bearer ${t.access_token}` } });
    expect(r).toMatchObject({ status: 401, body: { error: "invalid_token", error_description: "Token is expired. You can either do re-authorization or token refresh." } });
  });

  test("contract §7.3 unsupported grant type → 400 unsupported_grant_type", async () => {
    expect((await exchange({ grant_type: "password", client_id: "bridge", client_secret: "bridge-secret" })).body.error).toBe("unsupported_grant_type");
  });

  test("contract §7.3 unknown client or unregistered redirect_uri → error page, never a redirect", async () => {
    const unknown = await authorize({ client_id: "nope" });
    expect(unknown.r.status).toBe(401);
    expect(unknown.location).toBeNull();
    const badRedirect = await authorize({ redirect_uri: "http://evil.test/cb" });
    expect(badRedirect.r.status).toBe(400);
    expect(badRedirect.location).toBeNull();
  });
});

describe("contract §7.3 who signed in", () => {
  test("contract §7.3 / §9.15 GET /api/v4/user with the OAuth token: is_admin true for admins, absent otherwise", async () => {
    const admin = await signIn("alice");
    const user = await signIn("bob");
    const a = await h.call("GET", "/api/v4/user", { token: null, headers: { authorization: `Bearer ${admin.access_token}` } });
    const b = await h.call("GET", "/api/v4/user", { token: null, headers: { authorization: `Bearer ${user.access_token}` } });
    expect(a.body).toMatchObject({ username: "alice", is_admin: true });
    expect(b.body.username).toBe("bob");
    expect(b.body).not.toHaveProperty("is_admin");
  });

  test("contract §7.3 /oauth/userinfo returns OIDC claims without an admin flag", async () => {
    const t = await signIn("bob", "openid email read_user");
    const r = await h.call("GET", "/oauth/userinfo", { token: null, headers: { authorization: `Bearer ${t.access_token}` } });
    expect(r.body).toMatchObject({ sub: expect.any(String), nickname: "bob", preferred_username: "bob", email: "bob@example.com", groups: ["eng"] });
    expect(JSON.stringify(r.body)).not.toMatch(/admin/);
  });

  test("contract §7.3 /oauth/userinfo without the openid scope → 403 insufficient_scope", async () => {
    const t = await signIn("bob", "read_user");
    const r = await h.call("GET", "/oauth/userinfo", { token: null, headers: { authorization: `Bearer ${t.access_token}` } });
    expect(r).toMatchObject({ status: 403, body: { error: "insufficient_scope" } });
  });

  test("contract §7.3 /oauth/token/info describes the token; /oauth/revoke answers 200 {} and the token stops working", async () => {
    const t = await signIn("alice");
    const info = await h.call("GET", "/oauth/token/info", { token: null, headers: { authorization: `Bearer ${t.access_token}` } });
    expect(info.body).toMatchObject({ resource_owner_id: h.emu.state.findUserByUsername("alice")!.id, scope: ["openid", "read_user"], application: { uid: "bridge" } });
    const revoked = await h.call("POST", "/oauth/revoke", { token: null, form: { token: t.access_token, client_id: "bridge", client_secret: "bridge-secret" } });
    expect(revoked).toMatchObject({ status: 200, body: {} });
    expect((await h.call("GET", "/api/v4/user", { token: null, headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
  });

  test("contract §1.4 a blocked user cannot sign in: auto-approve redirects with access_denied", async () => {
    await autoApprove("mallory");
    const { location } = await authorize({});
    expect(location!.searchParams.get("error")).toBe("access_denied");
    expect(location!.searchParams.get("state")).toBe("xyz");
  });

  test("contract §1.4 / §9.5 a deactivated user who signs in on the web is reactivated", async () => {
    const carol = h.user({ state: "deactivated", password: "carol-password" });
    const page = await authorize({});
    expect(page.r.status).toBe(200);
    expect(page.r.text).toContain('name="login"');
    const form = { client_id: "bridge", redirect_uri: REDIRECT, response_type: "code", state: "xyz", login: carol.username, password: "carol-password" };
    const r = await h.call("POST", "/oauth/authorize", { token: null, form });
    expect(r.status).toBe(302);
    expect(new URL(r.headers.get("location")!).searchParams.get("code")).toBeTruthy();
    expect(h.emu.state.findUser(carol.id)!.state).toBe("active");
  });

  test("contract §7.3 the sign-in page refuses a wrong password with GitLab's message", async () => {
    const form = { client_id: "bridge", redirect_uri: REDIRECT, response_type: "code", login: "bob", password: "nope" };
    const r = await h.call("POST", "/oauth/authorize", { token: null, form });
    expect(r.status).toBe(200);
    expect(r.text).toContain("Invalid login or password.");
  });
});
