/**
 * The typed GitLab operations issue 10 and 11 build on, against the emulator over HTTP: each answers as
 * the contract line it cites, and every write is idempotent — repeated after a crash it succeeds and
 * changes nothing (409 "Member already exists", 404 on removal, block of a blocked user answering null).
 */
import { GitLabError } from "../../src/gitlab/errors";
import { requireGitLabVersion, requireTokenOwner } from "../../src/gitlab/instance";
import { createUser, findUser, findUserByIdentity, findUserByUsername, findUsersByEmail, updateUser } from "../../src/gitlab/users";
import { activateUser, approveUser, banUser, blockUser, deactivateUser, unbanUser, unblockUser } from "../../src/gitlab/user-state";
import { deleteSshKey, listActiveTokens, listSshKeys, revokeToken } from "../../src/gitlab/credentials";
import { createSubgroup, findGroupByFullPath } from "../../src/gitlab/groups";
import { addMembers, editMemberLevel, listMembers, removeMember } from "../../src/gitlab/members";
import { useGitLabClient } from "./client-harness";

const t = useGitLabClient();
const { h } = t;
const DAY_MS = 86_400_000;

const failure = (promise: Promise<unknown>) => promise.then(() => null, (e: unknown) => e as GitLabError);
const stateOf = (id: number) => h.emu.state.findUser(id)!.state;

describe("instance checks (issue 10 §1)", () => {
  test("contract §1.1 GET /user: the admin token shows is_admin; a non-admin token does not", async () => {
    expect(await requireTokenOwner(t.client())).toEqual({ userId: 1, username: "root", isAdmin: true });
    const plain = h.user();
    expect(await requireTokenOwner(t.client({ token: plain.token }))).toEqual({ userId: plain.id, username: plain.username, isAdmin: false });
  });

  test("GET /metadata, and GET /version where /metadata is unknown (GitLab before 15.2)", async () => {
    expect(await requireGitLabVersion(t.client())).toEqual({ version: "18.2.0-ee", revision: "emulator", source: "metadata" });
    await h.call("PUT", "/-/emulator/faults", { body: { script: [{ path: "/api/v4/metadata", times: 1, respond: { status: 404, body: { error: "404 Not Found" } } }] } });
    expect(await requireGitLabVersion(t.client())).toEqual({ version: "18.2.0-ee", revision: "emulator", source: "version" });
  });
});

describe("finding users (contract §1.6, §2)", () => {
  test("contract §2 by extern_uid + provider (admin-only look-up); null when nobody holds it", async () => {
    const uid = h.unique("uid-");
    const u = h.user({ identities: [{ provider: "saml", externUid: uid }] });
    expect(await findUserByIdentity(t.client(), "saml", uid)).toMatchObject({ id: u.id, identities: [{ provider: "saml", extern_uid: uid }] });
    expect(await findUserByIdentity(t.client(), "saml", "nobody")).toBeNull();
    expect(await findUserByIdentity(t.client(), "ldapmain", uid)).toBeNull();
  });

  test("contract §1.6 by email: exact address only, though GitLab's search also matches names partially", async () => {
    const email = `${h.unique("mail")}@corp.example`;
    const holder = h.user({ email });
    h.user({ name: email }); // a name containing the address: found by the search, not a candidate
    const found = await findUsersByEmail(t.client(), email.toUpperCase());
    expect(found.map((u) => u.id)).toEqual([holder.id]);
    expect(await findUsersByEmail(t.client(), "nobody@corp.example")).toEqual([]);
  });

  test("contract §1.1 by username (case-insensitive) and by id; null when missing", async () => {
    const u = h.user();
    expect(await findUserByUsername(t.client(), u.username.toUpperCase())).toMatchObject({ id: u.id });
    expect(await findUserByUsername(t.client(), h.unique("ghost"))).toBeNull();
    expect(await findUser(t.client(), u.id)).toMatchObject({ id: u.id, username: u.username });
    expect(await findUser(t.client(), 999_999)).toBeNull();
  });
});

describe("creating and updating users (contract §1.2, §1.3)", () => {
  const newUser = () => {
    const username = h.unique("new");
    return { username, name: "New Person", email: `${username}@corp.example`, provider: "saml", externUid: `ext-${username}` };
  };

  test("contract §1.2 create: confirmed, random password, identity set; a repeat finds the same user (idempotent)", async () => {
    const wanted = newUser();
    const first = await createUser(t.client(), wanted);
    expect(first.created).toBe(true);
    expect(first.user).toMatchObject({ username: wanted.username, email: wanted.email, identities: [{ provider: "saml", extern_uid: wanted.externUid }] });
    const record = h.emu.state.findUser(first.user.id)!;
    expect(record.confirmedAt).not.toBeNull();
    expect(t.requests()[0].body).toMatchObject({ skip_confirmation: true, force_random_password: true });
    const again = await createUser(t.client(), wanted);
    expect(again).toEqual({ user: expect.objectContaining({ id: first.user.id }), created: false });
  });

  test("contract §1.2 create with an email another user holds → permanent 409 conflict", async () => {
    const other = h.user({ email: `${h.unique("held")}@corp.example` });
    const e = await failure(createUser(t.client(), { ...newUser(), email: h.emu.state.findUser(other.id)!.email }));
    expect(e).toMatchObject({ kind: "permanent", reason: "conflict", status: 409, gitlabMessage: "Email has already been taken" });
  });

  test("contract §1.3 update name and email (skip_reconfirmation: the email changes at once)", async () => {
    const u = h.user({ email: `${h.unique("before")}@corp.example` });
    const email = `${h.unique("after")}@corp.example`;
    const updated = await updateUser(t.client(), u.id, { name: "Renamed", email });
    expect(updated).toMatchObject({ name: "Renamed", email });
    expect(t.requests()[0].body).toEqual({ name: "Renamed", email, skip_reconfirmation: true });
  });

  test("user.rb update_emails_with_primary_email: the old address stays taken, so another user reusing it is a 409 conflict", async () => {
    const old = `${h.unique("old")}@corp.example`;
    const a = h.user({ email: old });
    const b = h.user({ email: `${h.unique("b")}@corp.example` });
    await updateUser(t.client(), a.id, { email: `${h.unique("new")}@corp.example` });
    const e = await failure(updateUser(t.client(), b.id, { email: old }));
    expect(e).toMatchObject({ kind: "permanent", reason: "conflict", status: 409, gitlabMessage: "Email has already been taken" });
    // the user's own previous address is not a conflict
    expect(await updateUser(t.client(), a.id, { email: old })).toMatchObject({ email: old });
  });
});

describe("user state actions, idempotent (contract §1.4)", () => {
  test("block → changed; block again answers 201 null → unchanged; unblock → changed; unblock an active user (201 false) → unchanged", async () => {
    const u = h.user();
    const client = t.client();
    expect(await blockUser(client, u.id)).toBe("changed");
    expect(stateOf(u.id)).toBe("blocked");
    expect(await blockUser(client, u.id)).toBe("unchanged");
    expect(await unblockUser(client, u.id)).toBe("changed");
    expect(await unblockUser(client, u.id)).toBe("unchanged");
    expect(stateOf(u.id)).toBe("active");
    expect(t.calls.every((c) => c.outcome === "success")).toBe(true);
  });

  test("contract §1.4 deactivate a user active in the last 90 days → recently_active; once dormant (clock moved 91 days) → changed, again → unchanged; activate", async () => {
    const u = h.user({ recentlyActive: true });
    const client = t.client();
    expect(await deactivateUser(client, u.id)).toBe("recently_active");
    expect(stateOf(u.id)).toBe("active");
    expect((await h.call("PUT", "/-/emulator/clock", { body: { advanceMs: 91 * DAY_MS } })).status).toBe(200);
    expect(await deactivateUser(client, u.id)).toBe("changed");
    expect(await deactivateUser(client, u.id)).toBe("unchanged");
    await activateUser(client, u.id);
    expect(stateOf(u.id)).toBe("active");
  });

  test("contract §1.4 ban → changed, ban again (403 You cannot ban banned users.) → unchanged; unban → changed, again → unchanged", async () => {
    const u = h.user();
    const client = t.client();
    expect(await banUser(client, u.id)).toBe("changed");
    expect(await banUser(client, u.id)).toBe("unchanged");
    expect(stateOf(u.id)).toBe("banned");
    expect(await unbanUser(client, u.id)).toBe("changed");
    expect(await unbanUser(client, u.id)).toBe("unchanged");
    expect(stateOf(u.id)).toBe("active");
  });

  test("contract §1.4 ldap_blocked is reported, not fought: block and unblock are permanent errors", async () => {
    const u = h.user({ state: "ldap_blocked" });
    expect(await failure(blockUser(t.client(), u.id))).toMatchObject({ kind: "permanent", status: 403, gitlabMessage: "403 Forbidden - LDAP blocked users cannot be modified by the API" });
    expect(await failure(unblockUser(t.client(), u.id))).toMatchObject({ kind: "permanent", status: 403 });
  });

  test("contract §1.4 approve a user pending approval → changed; again (409 not pending) → unchanged", async () => {
    const u = h.user({ state: "blocked_pending_approval" });
    expect(await approveUser(t.client(), u.id)).toBe("changed");
    expect(stateOf(u.id)).toBe("active");
    expect(await approveUser(t.client(), u.id)).toBe("unchanged");
  });
});

describe("tokens and SSH keys (contract §7.2)", () => {
  test("the user's active tokens only; revoking twice lists nothing left; an unknown user id lists nothing (Addenda: GitLab would list every token)", async () => {
    const u = h.user({ tokens: [{ token: h.unique("t-a-"), scopes: ["api"] }, { token: h.unique("t-b-"), scopes: ["api"], revoked: true }] });
    const client = t.client();
    const tokens = await listActiveTokens(client, u.id);
    expect(tokens.map((tok) => tok.user_id)).toEqual(tokens.map(() => u.id));
    expect(tokens).toHaveLength(1); // the revoked one is not active
    for (const tok of tokens) await revokeToken(client, tok.id);
    expect(await listActiveTokens(client, u.id)).toEqual([]);
    expect(await listActiveTokens(client, 999_999)).toEqual([]);
    const unfiltered = t.requests().filter((r) => r.query.user_id === "999999");
    expect(unfiltered).toHaveLength(1);
  });

  test("SSH keys: list and delete; deleting a key that is gone (404) is a success", async () => {
    const u = h.user({ sshKeys: [{ title: "laptop", key: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA laptop" }] });
    const client = t.client();
    const [key] = await listSshKeys(client, u.id);
    expect(key).toMatchObject({ title: "laptop" });
    await deleteSshKey(client, u.id, key.id);
    await deleteSshKey(client, u.id, key.id);
    expect(await listSshKeys(client, u.id)).toEqual([]);
    expect(t.requests().filter((r) => r.method === "DELETE").map((r) => r.status)).toEqual([204, 404]);
  });
});

describe("groups (contract §3)", () => {
  test("find by URL-encoded full path; null when missing; create a subgroup; contract §3 a taken path (400, not 409) is reported with the group there", async () => {
    const root = h.unique("root");
    h.seed({ groups: [{ path: root }, { path: "team", parent: root }] });
    const client = t.client();
    const parent = await findGroupByFullPath(client, root);
    expect(await findGroupByFullPath(client, `${root}/team`)).toMatchObject({ full_path: `${root}/team`, parent_id: parent!.id });
    expect(await findGroupByFullPath(client, `${root}/nope`)).toBeNull();
    const created = await createSubgroup(client, { parent: parent!, path: "scim-eng", name: "SCIM Eng", description: "ours" });
    expect(created).toMatchObject({ outcome: "created", group: { full_path: `${root}/scim-eng`, parent_id: parent!.id, description: "ours" } });
    const again = await createSubgroup(client, { parent: parent!, path: "scim-eng", name: "SCIM Eng" });
    expect(again).toEqual({ outcome: "taken", existing: expect.objectContaining({ id: (created as { group: { id: number } }).group.id, description: "ours" }) });
  });
});

describe("group members (contract §4)", () => {
  function groupWith(members: { userId: number; accessLevel: number }[], parent?: string) {
    const path = h.unique("g");
    h.seed({ groups: [{ path, parent, members: [{ userId: 1, accessLevel: 50 }, ...members] }] });
    return h.emu.state.findGroupByFullPath(parent ? `${parent}/${path}` : path)!;
  }

  test("contract §5 list follows every page (150 members, per_page 100)", async () => {
    const users = Array.from({ length: 150 }, () => h.user());
    const group = groupWith(users.map((u) => ({ userId: u.id, accessLevel: 30 })));
    const members = await listMembers(t.client(), group.id);
    expect(members).toHaveLength(151);
    expect(t.requests().map((r) => r.query.page)).toEqual(["1", "2"]);
  });

  test("contract §4.3 add one; again → 409 Member already exists is a success", async () => {
    const u = h.user();
    const group = groupWith([]);
    const client = t.client();
    expect(await addMembers(client, group.id, [u.id], 30)).toEqual({ alreadyMembers: [] });
    expect(await addMembers(client, group.id, [u.id], 30)).toEqual({ alreadyMembers: [u.id] });
    expect(t.requests().map((r) => r.status)).toEqual([201, 409]);
    expect(t.calls.map((c) => c.outcome)).toEqual(["success", "success"]);
  });

  test("contract §4.2 add several in one call (user_id=1,2,3); a repeat changes nothing", async () => {
    const users = [h.user(), h.user(), h.user()];
    const group = groupWith([]);
    const client = t.client();
    await addMembers(client, group.id, users.map((u) => u.id), 20);
    await addMembers(client, group.id, users.map((u) => u.id), 20);
    expect(t.requests().map((r) => r.body)).toEqual([{ user_id: users.map((u) => u.id).join(","), access_level: 20 }, expect.anything()]);
    for (const u of users) expect(h.emu.state.findMember(group.id, u.id)?.accessLevel).toBe(20);
  });

  test("contract §4.3 / §9.12 a multi-user add answering 201 with \"status\":\"error\" is a permanent error with GitLab's message", async () => {
    const high = h.user();
    const low = h.user();
    const parent = groupWith([{ userId: high.id, accessLevel: 40 }]);
    const child = groupWith([], parent.fullPath);
    const e = await failure(addMembers(t.client(), child.id, [high.id, low.id], 20));
    expect(e).toMatchObject({ kind: "permanent", reason: "batch_error", status: 201 });
    expect(e?.gitlabMessage).toContain(`${high.username}: Access level should be greater than or equal to Maintainer inherited membership`);
    expect(t.calls).toEqual([expect.objectContaining({ status: 201, outcome: "failure", errorKind: "permanent", reason: "batch_error" })]);
  });

  test("contract §4.2 edit a level → member; a non-member (404 Not found) → null", async () => {
    const u = h.user();
    const group = groupWith([{ userId: u.id, accessLevel: 20 }]);
    expect(await editMemberLevel(t.client(), group.id, u.id, 40)).toMatchObject({ id: u.id, access_level: 40 });
    expect(await editMemberLevel(t.client(), group.id, h.user().id, 40)).toBeNull();
  });

  test("contract §4.4 remove with skip_subresources (subgroup memberships stay); again → 404 is a success", async () => {
    const u = h.user();
    const group = groupWith([{ userId: u.id, accessLevel: 30 }]);
    const sub = groupWith([{ userId: u.id, accessLevel: 30 }], group.fullPath);
    const client = t.client();
    expect(await removeMember(client, group.id, u.id)).toBe("removed");
    expect(await removeMember(client, group.id, u.id)).toBe("not_member");
    expect(h.emu.state.findMember(sub.id, u.id)).toBeDefined();
    expect(t.requests().map((r) => [r.query.skip_subresources, r.status])).toEqual([["true", 204], ["true", 404]]);
  });
});
