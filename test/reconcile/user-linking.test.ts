/**
 * Issue 10 §4 over HTTP against the emulator: a SCIM user is linked to an existing GitLab user by
 * identity, email or username before one is ever created; every conflict leaves GitLab unchanged and
 * parks the subject with the reason (no retry loop); a username collision takes the next suffix; a
 * re-created deleted user takes its GitLab account over. GitLab refuses a create exactly when a
 * candidate might exist (contract §1.2: 409 email, 409 username, 400 identities.extern_uid), so the
 * lookups happen only then. The emulator's request log shows each exact call, once.
 */
import crypto from "node:crypto";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import * as queue from "../../src/reconcile/queue";
import { PATCH_OP, scimClient, userBody, type ScimClient } from "../scim/scim-client";
import { auditOf, callLines, gitlabCalls, gitlabUser, gitlabUserByIdentity, gitlabUsers, lastSeq, linkOf, seedGitLab } from "./helpers/gitlab-view";

let bridge: ReconcilingBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge?.close());

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;
const LOOKUPS = ["GET /api/v4/users", "GET /api/v4/users", "GET /api/v4/users"];

/** Creates a SCIM user (userName local@example.com, externalId given) and waits for the workers. */
async function provision(local: string, externalId: string, extra: Record<string, unknown> = {}) {
  const since = await lastSeq(bridge);
  const res = await scim("post", "/Users", userBody(`${local}@example.com`, { externalId, displayName: `${local} Display`, ...extra }));
  expect(res.status).toBe(201);
  await bridge.quiet();
  return { id: res.body.id as string, requestId: res.headers["x-request-id"] as string, calls: callLines(await gitlabCalls(bridge, since)) };
}

async function gitlabIdOf(username: string): Promise<number> {
  return (await gitlabUsers(bridge)).find((u) => u.username === username)!.id;
}

test("link by identity: the create is refused (400 identities.extern_uid), the identity holder is linked and its profile updated", async () => {
  const local = unique("ident");
  const externalId = unique("ext-");
  await seedGitLab(bridge, { users: [{ username: unique("preexisting"), name: "Old Name", email: `${unique("old")}@corp.example`, identities: [{ provider: "saml", externUid: externalId }] }] });
  const holder = (await gitlabUserByIdentity(bridge, externalId))!;
  const { id, calls, requestId } = await provision(local, externalId);
  expect(calls).toEqual(["POST /api/v4/users", ...LOOKUPS, `PUT /api/v4/users/${holder.id}`]);
  expect(await gitlabUser(bridge, holder.id)).toMatchObject({ name: `${local} Display`, email: `${local}@example.com`, username: holder.username });
  expect(await linkOf(bridge, id)).toMatchObject({ gitlabUserId: holder.id, linkedBy: "identity", syncState: "synced" });
  const audit = await auditOf(bridge, id);
  expect(audit.filter((a) => a.action === "gitlab.call")).toHaveLength(5);
  expect(audit.every((a) => a.requestId === requestId)).toBe(true);
  expect(audit.find((a) => a.action === "gitlab.call")!.details).toMatchObject({ status: 400, outcome: "failure", errorKind: "permanent" });
  expect(audit.filter((a) => a.action !== "gitlab.call").map((a) => a.action)).toEqual(["gitlab.user.linked", "gitlab.user.updated"]);
});

test("link by email: the create is refused (409 email), the primary-email holder is linked and given the identity", async () => {
  const local = unique("mail");
  const externalId = unique("ext-");
  const username = unique("someone");
  await seedGitLab(bridge, { users: [{ username, name: `${local} Display`, email: `${local}@example.com` }] });
  const gitlabId = await gitlabIdOf(username);
  const { id, calls } = await provision(local, externalId);
  expect(calls).toEqual(["POST /api/v4/users", ...LOOKUPS, `PUT /api/v4/users/${gitlabId}`]);
  expect((await gitlabUser(bridge, gitlabId))!.identities).toEqual([{ provider: "saml", externUid: externalId }]);
  expect(await linkOf(bridge, id)).toMatchObject({ gitlabUserId: gitlabId, linkedBy: "email", appliedExternUid: externalId, syncState: "synced" });
});

test("link by username: the create is refused (409 username), the holder of the derived username is linked", async () => {
  const local = unique("uname");
  await seedGitLab(bridge, { users: [{ username: local, name: "Someone", email: `${unique("x")}@corp.example` }] });
  const gitlabId = await gitlabIdOf(local);
  const { id, calls } = await provision(local, unique("ext-"));
  expect(calls).toEqual(["POST /api/v4/users", ...LOOKUPS, `PUT /api/v4/users/${gitlabId}`]);
  expect(await gitlabUser(bridge, gitlabId)).toMatchObject({ email: `${local}@example.com`, name: `${local} Display` });
  expect(await linkOf(bridge, id)).toMatchObject({ gitlabUserId: gitlabId, linkedBy: "username" });
});

test("username collision: the holder carries another saml identity, so the next suffix is created", async () => {
  const local = unique("colli");
  await seedGitLab(bridge, { users: [{ username: local, email: `${unique("x")}@corp.example`, identities: [{ provider: "saml", externUid: unique("other-") }] }] });
  const externalId = unique("ext-");
  const { id, calls } = await provision(local, externalId);
  expect(calls).toEqual(["POST /api/v4/users", ...LOOKUPS, "POST /api/v4/users"]);
  const created = (await gitlabUserByIdentity(bridge, externalId))!;
  expect(created.username).toBe(`${local}1`);
  expect(await linkOf(bridge, id)).toMatchObject({ gitlabUserId: created.id, linkedBy: "created" });
});

describe("conflicts: nothing changed in GitLab, the subject parked with the reason, no retry loop", () => {
  async function expectConflict(id: string, reason: RegExp) {
    expect(await linkOf(bridge, id)).toMatchObject({ syncState: "conflict", gitlabUserId: null, lastError: expect.stringMatching(reason) });
    expect(await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: id })).toMatchObject({ state: "parked", parkedReason: "permanent_error" });
    expect((await auditOf(bridge, id)).map((a) => a.action)).toContain("gitlab.user.conflict");
  }

  test("the email holder is linked to another live SCIM user", async () => {
    const first = unique("first");
    const a = await provision(first, unique("ext-"));
    const b = await provision(unique("second"), unique("ext-"), { emails: [{ value: `${first}@example.com`, type: "work", primary: true }] });
    expect(b.calls).toEqual(["POST /api/v4/users", ...LOOKUPS]);
    await expectConflict(b.id, new RegExp(`already linked to SCIM user ${a.id}`));
  });

  test("the identity holder is linked to another live SCIM user", async () => {
    const externalId = unique("ext-");
    const a = await provision(unique("idone"), externalId);
    const b = await provision(unique("idtwo"), externalId);
    expect(b.calls).toEqual(["POST /api/v4/users", ...LOOKUPS]);
    await expectConflict(b.id, new RegExp(`matched by identity\\) is already linked to SCIM user ${a.id}`));
  });

  test("the email is another GitLab user's secondary address (user.rb keeps the old primary): refused, no candidate", async () => {
    const local = unique("second");
    await seedGitLab(bridge, { users: [{ username: unique("holder"), email: `${unique("p")}@corp.example`, secondaryEmails: [{ email: `${local}@example.com`, confirmed: true }] }] });
    const b = await provision(local, unique("ext-"));
    expect(b.calls).toEqual(["POST /api/v4/users", ...LOOKUPS]);
    await expectConflict(b.id, /secondary email/);
  });

  test("create_users off and no GitLab user matches: lookups only", async () => {
    const other = await bridge.addConnection(unique("nocreate"));
    const name = (await bridge.db.prisma.connection.findUnique({ where: { id: other.id } }))!.name;
    await bridge.updateSettings({ createUsers: false }, name);
    const since = await lastSeq(bridge);
    const res = await scimClient(bridge, other.token)("post", "/Users", userBody(`${unique("nc")}@example.com`, { externalId: unique("ext-") }));
    await bridge.quiet();
    expect(callLines(await gitlabCalls(bridge, since))).toEqual(LOOKUPS);
    await expectConflict(res.body.id, /create_users is off/);
  });

  test("a profile change to an email GitLab holds for someone else: 409 on PUT is a conflict, parked after one call", async () => {
    const a = await provision(unique("mover"), unique("ext-"));
    const taken = `${unique("taken")}@corp.example`;
    await seedGitLab(bridge, { users: [{ username: unique("owner"), email: taken }] });
    const gitlabId = (await linkOf(bridge, a.id))!.gitlabUserId!;
    const since = await lastSeq(bridge);
    await scim("patch", `/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: 'emails[type eq "work"].value', value: taken }] });
    await bridge.quiet();
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([`PUT /api/v4/users/${gitlabId}`]);
    expect(await linkOf(bridge, a.id)).toMatchObject({ syncState: "conflict", gitlabUserId: gitlabId, lastError: expect.stringContaining("Email has already been taken") });
    expect(await queue.findItem(bridge.db.direct, { subjectType: "user", subjectId: a.id })).toMatchObject({ state: "parked" });
  });
});

test("re-creating a deleted SCIM user with the same identity takes its GitLab account over and undoes the bridge's block", async () => {
  const local = unique("again");
  const externalId = unique("ext-");
  const first = await provision(local, externalId);
  const gitlabId = (await linkOf(bridge, first.id))!.gitlabUserId!;
  expect((await scim("delete", `/Users/${first.id}`)).status).toBe(204);
  await bridge.quiet();
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("blocked");
  const second = await provision(local, externalId);
  expect(second.calls).toEqual(["POST /api/v4/users", ...LOOKUPS, `POST /api/v4/users/${gitlabId}/unblock`]);
  expect((await gitlabUser(bridge, gitlabId))!.state).toBe("active");
  expect(await linkOf(bridge, second.id)).toMatchObject({ gitlabUserId: gitlabId, linkedBy: "identity", stateByBridge: null, syncState: "synced" });
  expect(await linkOf(bridge, first.id)).toMatchObject({ gitlabUserId: null });
  expect((await auditOf(bridge, first.id)).map((a) => a.action)).toContain("gitlab.user.unlinked");
});
