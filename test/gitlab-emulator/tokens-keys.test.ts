/** contract §7.2 personal access tokens and the SSH keys of a user (offboarding's revoke steps). */
import { useEmulator } from "./helpers";

const h = useEmulator();

describe("contract §7.2 personal access tokens", () => {
  test("contract §7.2 admin lists a user's tokens with user_id, then revokes one → 204; the token stops working", async () => {
    const user = h.user();
    const r = await h.call("GET", `/api/v4/personal_access_tokens?user_id=${user.id}`);
    expect(r.body).toEqual([expect.objectContaining({ user_id: user.id, revoked: false, active: true, scopes: ["api"] })]);
    expect((await h.call("DELETE", `/api/v4/personal_access_tokens/${r.body[0].id}`)).status).toBe(204);
    const after = await h.call("GET", "/api/v4/user", { token: user.token });
    expect(after).toMatchObject({ status: 401, body: { error: "invalid_token" } });
    expect((await h.call("GET", `/api/v4/personal_access_tokens/${r.body[0].id}`)).body).toMatchObject({ revoked: true, active: false });
  });

  test("contract Addenda user_id matching no user is not applied: the admin gets every token (inferred)", async () => {
    h.user();
    h.user();
    const r = await h.call("GET", "/api/v4/personal_access_tokens?user_id=987654&per_page=100");
    const owners = new Set(r.body.map((t: { user_id: number }) => t.user_id));
    expect(owners.size).toBeGreaterThan(1);
  });

  test("contract §7.2 a non-admin sees only their own tokens; another user_id → 401", async () => {
    const user = h.user();
    const mine = await h.call("GET", "/api/v4/personal_access_tokens", { token: user.token });
    expect(mine.body.map((t: { user_id: number }) => t.user_id)).toEqual([user.id]);
    expect((await h.call("GET", "/api/v4/personal_access_tokens?user_id=1", { token: user.token })).status).toBe(401);
  });

  test("contract §7.2 GET a token that is not yours → 401; admin asking for a missing id → 404", async () => {
    const user = h.user();
    expect((await h.call("GET", "/api/v4/personal_access_tokens/1", { token: user.token })).status).toBe(401);
    expect((await h.call("GET", "/api/v4/personal_access_tokens/987654")).status).toBe(404);
    expect((await h.call("GET", "/api/v4/personal_access_tokens/self", { token: user.token })).body.user_id).toBe(user.id);
  });

  test("contract §7.2 revoking an already revoked token → 400 (inferred reading)", async () => {
    const user = h.user();
    const [token] = (await h.call("GET", `/api/v4/personal_access_tokens?user_id=${user.id}`)).body;
    await h.call("DELETE", `/api/v4/personal_access_tokens/${token.id}`);
    expect((await h.call("DELETE", `/api/v4/personal_access_tokens/${token.id}`)).status).toBe(400);
  });

  test("contract §7.2 state=active filters out revoked and expired tokens", async () => {
    const user = h.user({ tokens: [{ token: h.unique("a-") }, { token: h.unique("b-"), revoked: true }, { token: h.unique("c-"), expiresAt: "2020-01-01" }] });
    const r = await h.call("GET", `/api/v4/personal_access_tokens?user_id=${user.id}&state=active`);
    expect(r.body).toHaveLength(1);
    expect((await h.call("GET", `/api/v4/personal_access_tokens?user_id=${user.id}&state=inactive`)).body).toHaveLength(2);
  });
});

describe("SSH keys of a user", () => {
  test("GET /users/:id/keys lists them (by id or username, no auth needed); DELETE → 204, then 404 Key Not Found", async () => {
    const user = h.user({ sshKeys: [{ title: "laptop", key: "ssh-ed25519 AAAAC3Nza laptop" }, { title: "desk", key: "ssh-ed25519 AAAAC3Nzb desk" }] });
    const list = await h.call("GET", `/api/v4/users/${user.id}/keys`, { token: null });
    expect(list.body.map((k: { title: string }) => k.title)).toEqual(["laptop", "desk"]);
    expect((await h.call("GET", `/api/v4/users/${user.username}/keys`)).body).toHaveLength(2);
    const keyId = list.body[0].id;
    expect((await h.call("GET", `/api/v4/users/${user.id}/keys/${keyId}`)).body.title).toBe("laptop");
    expect((await h.call("DELETE", `/api/v4/users/${user.id}/keys/${keyId}`)).status).toBe(204);
    expect((await h.call("DELETE", `/api/v4/users/${user.id}/keys/${keyId}`)).body).toEqual({ message: "404 Key Not Found" });
    expect((await h.call("GET", "/api/v4/users/987654/keys")).body).toEqual({ message: "404 User Not Found" });
  });

  test("DELETE a key is admin-only → 403 for the key's owner", async () => {
    const user = h.user({ sshKeys: [{ key: "ssh-ed25519 AAAAC3Nzc x" }] });
    const [key] = (await h.call("GET", `/api/v4/users/${user.id}/keys`)).body;
    expect((await h.call("DELETE", `/api/v4/users/${user.id}/keys/${key.id}`, { token: user.token })).status).toBe(403);
  });
});
