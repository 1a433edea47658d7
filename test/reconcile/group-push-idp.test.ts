/**
 * Issue 11 end to end: the group-push sequences Entra ID and Okta send (../shared/scim-idp.md, E-xx and
 * O-xx), over real HTTP into the bridge, through the SCIM group pass and the GitLab group pass, and out
 * to the GitLab emulator over real HTTP (PGlite, and PostgreSQL with TEST_DATABASE_URL). Rules are
 * written with the functions `mapping add` runs, before the IdP pushes anything, as an admin would set
 * them up. Each test has its own connection (with the IdP's kind), SCIM users and GitLab groups, and
 * checks GitLab's members (emulator state) and the writes GitLab received (its request log).
 *
 * Users are provisioned and linked before their groups are pushed, as both IdPs do on a first
 * assignment (users, then group push). The offboarding tests and the throttled-create test rely on the
 * user pass marking a user's GitLab groups when it is linked or its active-ness changes (issue 11
 * part D): nothing else marks those groups then.
 */
import crypto from "node:crypto";
import type { RequestRecord } from "../../tools/gitlab-emulator";
import { ACCESS_LEVELS } from "../../src/provisioning/access-levels";
import { addMapping, targetAudit, targetOf } from "../helpers/group-mappings";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { ENTERPRISE, GROUP_SCHEMA, LIST_RESPONSE, PATCH_OP, USER_SCHEMA, scimClient, type ScimClient } from "../scim/scim-client";
import type { ConnectionSettings } from "../../src/connections/settings";
import { gitlabCalls, gitlabUser, gitlabUsers, lastSeq, linkOf, seedGitLab } from "./helpers/gitlab-view";
import { levelsOf, seedGroup, unique } from "./helpers/memberships";
import { until } from "./helpers/waits";

const { reporter: REPORTER, developer: DEVELOPER, maintainer: MAINTAINER, owner: OWNER } = ACCESS_LEVELS;
/** Entra's own schema URN on groups it creates (E-23); the bridge tolerates it. */
const ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

let bridge: ReconcilingBridge;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
});
afterAll(() => bridge?.close());

interface Connection {
  id: string;
  name: string;
  scim: ScimClient;
}

/** A connection of the IdP's kind, as `connection create --idp` makes it, with optional settings. */
async function connection(idp: "entra" | "okta", settings?: Partial<ConnectionSettings>): Promise<Connection> {
  const name = unique(`${idp}-`);
  const created = await bridge.addConnection(name, idp);
  if (settings) await bridge.updateSettings(settings, name);
  return { id: created.id, name, scim: scimClient(bridge, created.token) };
}

/** A rule through the function `mapping add` runs; the GitLab group pass it marks runs before the push. */
async function rule(c: Connection, displayName: string, gitlabGroup: string, accessLevel: number): Promise<string> {
  const { targetId } = await addMapping(bridge, { connectionId: c.id, scimGroup: { displayName }, gitlabGroup, accessLevel });
  await bridge.quiet();
  return targetId;
}

/** Sends one IdP request and waits for every pass it causes; returns the answer. */
async function step<T>(send: () => Promise<T>): Promise<T> {
  const res = await send();
  await bridge.quiet();
  return res;
}

interface Person {
  id: string;
  userName: string;
  gitlabId: number;
}

async function linked(c: Connection, scimId: string, userName: string): Promise<Person> {
  const link = await linkOf(bridge, scimId);
  if (!link?.gitlabUserId) throw new Error(`${userName} was not linked: ${link?.lastError}`);
  return { id: scimId, userName, gitlabId: link.gitlabUserId };
}

/** E-02 then E-05: Entra looks the user up by userName (no match), then creates it; the user pass links it. */
async function entraUsers(c: Connection, n: number): Promise<Person[]> {
  const out: Person[] = [];
  for (let i = 0; i < n; i++) {
    const userName = `${unique("entra_user_")}@contoso.com`;
    const found = await c.scim("get", `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`);
    expect(found.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 0 });
    const res = await c.scim("post", "/Users", {
      schemas: [USER_SCHEMA, ENTERPRISE], externalId: crypto.randomUUID(), userName, active: true,
      emails: [{ primary: true, type: "work", value: userName }], meta: { resourceType: "User" },
      name: { formatted: "Entra User", familyName: "User", givenName: "Entra" }, roles: [],
    });
    expect(res.status).toBe(201);
    out.push({ id: res.body.id, userName, gitlabId: 0 });
  }
  await bridge.quiet();
  return Promise.all(out.map((p) => linked(c, p.id, p.userName)));
}

function oktaUserBody(userName: string, externalId: string, active = true) {
  return {
    schemas: [USER_SCHEMA], userName, name: { givenName: "Okta", familyName: "User" },
    emails: [{ primary: true, value: userName, type: "work" }], displayName: "Okta User", locale: "en-US",
    externalId, groups: [], password: "1mz050nq", active,
  };
}

/** O-01 then O-02: Okta looks the user up, then creates it (with its placeholder password and groups: []). */
async function oktaUsers(c: Connection, n: number): Promise<(Person & { externalId: string })[]> {
  const out: (Person & { externalId: string })[] = [];
  for (let i = 0; i < n; i++) {
    const userName = `${unique("okta.user.")}@okta.local`;
    const found = await c.scim("get", `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`);
    expect(found.body).toMatchObject({ totalResults: 0 });
    const externalId = `00u${crypto.randomBytes(8).toString("hex")}`;
    const res = await c.scim("post", "/Users", oktaUserBody(userName, externalId));
    expect(res.status).toBe(201);
    out.push({ id: res.body.id, userName, gitlabId: 0, externalId });
  }
  await bridge.quiet();
  return Promise.all(out.map(async (p) => ({ ...(await linked(c, p.id, p.userName)), externalId: p.externalId })));
}

/** E-24: Entra finds a group by displayName, always without members. */
async function entraFindGroup(c: Connection, displayName: string) {
  const res = await c.scim("get", `/Groups?excludedAttributes=members&filter=${encodeURIComponent(`displayName eq "${displayName}"`)}`);
  expect(res.status).toBe(200);
  for (const g of res.body.Resources) expect(g.members).toBeUndefined();
  return res.body.Resources as { id: string; displayName: string }[];
}

/** E-23: Entra creates groups empty; members follow by PATCH. */
async function entraCreateGroup(c: Connection, displayName: string): Promise<string> {
  const res = await step(() =>
    c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], externalId: crypto.randomUUID(), displayName, meta: { resourceType: "Group" } }),
  );
  expect(res.status).toBe(201);
  return res.body.id;
}

/** E-27: several members in one legacy-dialect PATCH (capitalised op, "$ref": null). */
async function entraAddMembers(c: Connection, groupId: string, people: Person[]): Promise<void> {
  const res = await step(() =>
    c.scim("patch", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "Add", path: "members", value: people.map((p) => ({ $ref: null, value: p.id })) }] }),
  );
  expect([200, 204]).toContain(res.status);
}

/** GitLab's writes (anything but GET) since `since`, as "METHOD path?query", and the raw records. */
async function writesSince(since: number): Promise<{ lines: string[]; records: RequestRecord[] }> {
  const records = (await gitlabCalls(bridge, since)).filter((r) => r.method !== "GET");
  return { records, lines: records.map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query).toString()}` : ""}`) };
}

async function gitlabGroupId(targetId: string): Promise<number> {
  const target = await targetOf(bridge, targetId);
  if (target.gitlabGroupId === null) throw new Error(`target ${target.fullPath} has no GitLab group id: ${target.lastError}`);
  return target.gitlabGroupId;
}

const levels = (entries: [Person, number][]) => Object.fromEntries(entries.map(([p, level]) => [p.gitlabId, level]));
const sortedIds = (userIdList: unknown) => String(userIdList).split(",").map(Number).sort((x, y) => x - y);

describe("Entra ID group push", () => {
  test("E-23 POST /Groups without members, then E-27 PATCH Add members: GitLab members at the rule's level in one batched add (contract §4.2 user_id=1,2,3)", async () => {
    const c = await connection("entra");
    const g = await seedGroup(bridge);
    const name = unique("Engineering ");
    const targetId = await rule(c, name, g, DEVELOPER);
    const people = await entraUsers(c, 3);
    expect(await entraFindGroup(c, name)).toEqual([]);
    const groupId = await entraCreateGroup(c, name);
    expect((await entraFindGroup(c, name)).map((r) => r.id)).toEqual([groupId]);
    // An empty group grants nothing.
    expect(await levelsOf(bridge, g)).toEqual({});

    const since = await lastSeq(bridge);
    await entraAddMembers(c, groupId, people);
    expect(await levelsOf(bridge, g)).toEqual(levels(people.map((p) => [p, DEVELOPER])));
    const gid = await gitlabGroupId(targetId);
    const writes = await writesSince(since);
    expect(writes.lines).toEqual([`POST /api/v4/groups/${gid}/members`]);
    expect(writes.records[0].body).toMatchObject({ access_level: DEVELOPER });
    expect(sortedIds((writes.records[0].body as { user_id: unknown }).user_id)).toEqual(people.map((p) => p.gitlabId).sort((x, y) => x - y));
    expect(await targetOf(bridge, targetId)).toMatchObject({ syncState: "synced", lastError: null });
    expect((await targetAudit(bridge, targetId, "gitlab.membership.added")).map((e) => e.details.gitlabUserId).sort()).toEqual(people.map((p) => p.gitlabId).sort());
  });

  test("E-28 legacy PATCH Remove members with a value list, then E-29 remove members[value eq] (aadOptscim062020): each removed member leaves the GitLab group (skip_subresources=true), the others stay", async () => {
    const c = await connection("entra");
    const g = await seedGroup(bridge);
    const name = unique("Support ");
    const targetId = await rule(c, name, g, REPORTER);
    const [a, b, d] = await entraUsers(c, 3);
    const groupId = await entraCreateGroup(c, name);
    await entraAddMembers(c, groupId, [a, b, d]);
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, REPORTER], [b, REPORTER], [d, REPORTER]]));
    const gid = await gitlabGroupId(targetId);

    let since = await lastSeq(bridge);
    const legacy = await step(() => c.scim("patch", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "Remove", path: "members", value: [{ $ref: null, value: b.id }] }] }));
    expect([200, 204]).toContain(legacy.status);
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, REPORTER], [d, REPORTER]]));
    expect((await writesSince(since)).lines).toEqual([`DELETE /api/v4/groups/${gid}/members/${b.gitlabId}?skip_subresources=true`]);

    since = await lastSeq(bridge);
    const flagged = await step(() => c.scim("patch", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "remove", path: `members[value eq "${d.id}"]` }] }));
    expect([200, 204]).toContain(flagged.status);
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, REPORTER]]));
    expect((await writesSince(since)).lines).toEqual([`DELETE /api/v4/groups/${gid}/members/${d.gitlabId}?skip_subresources=true`]);
    expect(await targetOf(bridge, targetId)).toMatchObject({ syncState: "synced", memberships: [expect.objectContaining({ gitlabUserId: a.gitlabId })] });
  });

  test("E-26 PATCH Replace displayName: the group's members move from the old name's GitLab group to the new name's, at the new rule's level", async () => {
    const c = await connection("entra");
    const [g1, g2] = [await seedGroup(bridge), await seedGroup(bridge)];
    const [oldName, newName] = [unique("Web "), unique("Frontend ")];
    const t1 = await rule(c, oldName, g1, DEVELOPER);
    const t2 = await rule(c, newName, g2, MAINTAINER);
    const [a, b] = await entraUsers(c, 2);
    const groupId = await entraCreateGroup(c, oldName);
    await entraAddMembers(c, groupId, [a, b]);
    expect(await levelsOf(bridge, g1)).toEqual(levels([[a, DEVELOPER], [b, DEVELOPER]]));
    expect(await levelsOf(bridge, g2)).toEqual({});

    const since = await lastSeq(bridge);
    const renamed = await step(() => c.scim("patch", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "displayName", value: newName }] }));
    expect([200, 204]).toContain(renamed.status);
    expect(await levelsOf(bridge, g1)).toEqual({});
    expect(await levelsOf(bridge, g2)).toEqual(levels([[a, MAINTAINER], [b, MAINTAINER]]));
    const [gid1, gid2] = [await gitlabGroupId(t1), await gitlabGroupId(t2)];
    expect((await writesSince(since)).lines.sort()).toEqual(
      [`DELETE /api/v4/groups/${gid1}/members/${a.gitlabId}?skip_subresources=true`, `DELETE /api/v4/groups/${gid1}/members/${b.gitlabId}?skip_subresources=true`, `POST /api/v4/groups/${gid2}/members`].sort(),
    );
    // E-24 by the new name finds it; by the old name nothing.
    expect((await entraFindGroup(c, newName)).map((r) => r.id)).toEqual([groupId]);
    expect(await entraFindGroup(c, oldName)).toEqual([]);
  });

  test("E-30 DELETE /Groups/{id}: the memberships the group granted are removed from GitLab; the members' accounts stay active", async () => {
    const c = await connection("entra");
    const g = await seedGroup(bridge);
    const name = unique("Contractors ");
    const targetId = await rule(c, name, g, DEVELOPER);
    const [a, b] = await entraUsers(c, 2);
    const groupId = await entraCreateGroup(c, name);
    await entraAddMembers(c, groupId, [a, b]);
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, DEVELOPER], [b, DEVELOPER]]));
    const gid = await gitlabGroupId(targetId);

    const since = await lastSeq(bridge);
    expect((await step(() => c.scim("delete", `/Groups/${groupId}`))).status).toBe(204);
    expect(await levelsOf(bridge, g)).toEqual({});
    expect((await writesSince(since)).lines.sort()).toEqual(
      [`DELETE /api/v4/groups/${gid}/members/${a.gitlabId}?skip_subresources=true`, `DELETE /api/v4/groups/${gid}/members/${b.gitlabId}?skip_subresources=true`].sort(),
    );
    expect(await targetOf(bridge, targetId)).toMatchObject({ syncState: "synced", memberships: [] });
    for (const p of [a, b]) expect((await gitlabUser(bridge, p.gitlabId))!.state).toBe("active");
  });
});

describe("Okta group push", () => {
  test("O-09 POST /Groups with members, then O-16 PUT /Groups/{id} with a new member list: members added and removed to match", async () => {
    const c = await connection("okta");
    const g = await seedGroup(bridge);
    const name = unique("Okta Eng ");
    const targetId = await rule(c, name, g, DEVELOPER);
    const [a, b, d] = await oktaUsers(c, 3);
    const created = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name, members: [a, b].map((p) => ({ value: p.id, display: p.userName })) }));
    expect(created.status).toBe(201);
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, DEVELOPER], [b, DEVELOPER]]));
    const gid = await gitlabGroupId(targetId);

    const since = await lastSeq(bridge);
    const put = await step(() => c.scim("put", `/Groups/${created.body.id}`, { schemas: [GROUP_SCHEMA], displayName: name, members: [b, d].map((p) => ({ value: p.id, display: p.userName })) }));
    expect(put.status).toBe(200);
    expect(await levelsOf(bridge, g)).toEqual(levels([[b, DEVELOPER], [d, DEVELOPER]]));
    const writes = await writesSince(since);
    expect(writes.lines.sort()).toEqual([`DELETE /api/v4/groups/${gid}/members/${a.gitlabId}?skip_subresources=true`, `POST /api/v4/groups/${gid}/members`].sort());
    expect(writes.records.find((r) => r.method === "POST")!.body).toMatchObject({ access_level: DEVELOPER });
    expect(sortedIds((writes.records.find((r) => r.method === "POST")!.body as { user_id: unknown }).user_id)).toEqual([d.gitlabId]);
  });

  test("O-13 + O-14 PATCH (rename op re-sent, remove members[value eq] and add in one message), then O-15 replace members: GitLab follows each delta", async () => {
    const c = await connection("okta");
    const g = await seedGroup(bridge);
    const name = unique("Okta Ops ");
    const targetId = await rule(c, name, g, MAINTAINER);
    const [a, b, d] = await oktaUsers(c, 3);
    const created = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name, members: [{ value: a.id, display: a.userName }] }));
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, MAINTAINER]]));
    const groupId = created.body.id as string;
    const gid = await gitlabGroupId(targetId);

    let since = await lastSeq(bridge);
    const delta = await step(() =>
      c.scim("patch", `/Groups/${groupId}`, {
        schemas: [PATCH_OP],
        Operations: [
          { op: "replace", value: { id: groupId, displayName: name } },
          { op: "remove", path: `members[value eq "${a.id}"]` },
          { op: "add", path: "members", value: [b, d].map((p) => ({ value: p.id, display: p.userName })) },
        ],
      }),
    );
    expect([200, 204]).toContain(delta.status);
    expect(await levelsOf(bridge, g)).toEqual(levels([[b, MAINTAINER], [d, MAINTAINER]]));
    expect((await writesSince(since)).lines.sort()).toEqual([`DELETE /api/v4/groups/${gid}/members/${a.gitlabId}?skip_subresources=true`, `POST /api/v4/groups/${gid}/members`].sort());

    since = await lastSeq(bridge);
    const replaced = await step(() => c.scim("patch", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "members", value: [a, b].map((p) => ({ value: p.id, display: p.userName })) }] }));
    expect([200, 204]).toContain(replaced.status);
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, MAINTAINER], [b, MAINTAINER]]));
    expect((await writesSince(since)).lines.sort()).toEqual([`DELETE /api/v4/groups/${gid}/members/${d.gitlabId}?skip_subresources=true`, `POST /api/v4/groups/${gid}/members`].sort());
  });

  test("issue 11 item 1: two pushed Okta groups mapped to one GitLab group at different levels → the highest wins; leaving the higher group (O-16 PUT) drops the member to the lower level (PUT member), not out", async () => {
    const c = await connection("okta");
    const g = await seedGroup(bridge);
    const [eng, leads] = [unique("Okta Engineers "), unique("Okta Leads ")];
    const targetId = await rule(c, eng, g, DEVELOPER);
    await rule(c, leads, g, MAINTAINER);
    const [a, b] = await oktaUsers(c, 2);
    await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: eng, members: [a, b].map((p) => ({ value: p.id, display: p.userName })) }));
    const leadsGroup = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: leads, members: [{ value: a.id, display: a.userName }] }));
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, MAINTAINER], [b, DEVELOPER]]));
    const gid = await gitlabGroupId(targetId);

    const since = await lastSeq(bridge);
    const put = await step(() => c.scim("put", `/Groups/${leadsGroup.body.id}`, { schemas: [GROUP_SCHEMA], displayName: leads, members: [] }));
    expect(put.status).toBe(200);
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, DEVELOPER], [b, DEVELOPER]]));
    expect((await writesSince(since)).lines).toEqual([`PUT /api/v4/groups/${gid}/members/${a.gitlabId}`]);
    expect((await targetOf(bridge, targetId)).memberships.map((m) => [m.gitlabUserId, m.accessLevel]).sort()).toEqual([[a.gitlabId, DEVELOPER], [b.gitlabId, DEVELOPER]].sort());
  });

  test("issue 11 item 2 (unmapped_groups create): O-09 push of a group no rule maps → a subgroup of the parent is created and the pushed members land in it at unmapped_access", async () => {
    const parent = unique("okta-teams-");
    await seedGitLab(bridge, { groups: [{ path: parent }] });
    const c = await connection("okta", { unmappedGroups: "create", unmappedParent: parent, unmappedAccess: "reporter" });
    const [a, b] = await oktaUsers(c, 2);
    const since = await lastSeq(bridge);
    const pushed = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Data Science", members: [a, b].map((p) => ({ value: p.id, display: p.userName })) }));
    expect(pushed.status).toBe(201);
    const sub = bridge.emulator.state.findGroupByFullPath(`${parent}/data-science`);
    expect(sub).toMatchObject({ name: "Data Science" });
    // GitLab makes the token's user (root) owner of a group it creates; the bridge leaves that unmanaged member alone.
    const root = (await gitlabUsers(bridge)).find((u) => u.username === "root")!;
    expect(await levelsOf(bridge, `${parent}/data-science`)).toEqual({ [root.id]: OWNER, ...levels([[a, REPORTER], [b, REPORTER]]) });
    // The parent gets nothing; GitLab saw the subgroup made, then one batched add into it.
    expect(await levelsOf(bridge, parent)).toEqual({});
    const writes = await writesSince(since);
    expect(writes.lines).toEqual(["POST /api/v4/groups", `POST /api/v4/groups/${sub!.id}/members`]);
    expect(writes.records[0].body).toMatchObject({ path: "data-science", parent_id: bridge.emulator.state.findGroupByFullPath(parent)!.id });
    expect(sortedIds((writes.records[1].body as { user_id: unknown }).user_id)).toEqual([a.gitlabId, b.gitlabId].sort((x, y) => x - y));
  });
});

describe("issue 11 item 5: offboarding with remove_memberships", () => {
  test("Entra E-13 PATCH active \"False\" → blocked and out of the GitLab group (skip_subresources=false); E-15 \"True\" → unblocked and the membership restored at the rule's level", async () => {
    const c = await connection("entra", { removeMemberships: true });
    const g = await seedGroup(bridge);
    const name = unique("Finance ");
    const targetId = await rule(c, name, g, DEVELOPER);
    const [a, b] = await entraUsers(c, 2);
    const groupId = await entraCreateGroup(c, name);
    await entraAddMembers(c, groupId, [a, b]);
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, DEVELOPER], [b, DEVELOPER]]));
    const gid = await gitlabGroupId(targetId);

    let since = await lastSeq(bridge);
    const disabled = await step(() => c.scim("patch", `/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "False" }] }));
    expect(disabled.status).toBeLessThan(300);
    expect((await gitlabUser(bridge, a.gitlabId))!.state).toBe("blocked");
    expect(await levelsOf(bridge, g)).toEqual(levels([[b, DEVELOPER]]));
    // The user pass blocks first; the GitLab group pass it marks then removes the leaver's membership with its subresources.
    expect((await writesSince(since)).lines).toEqual([`POST /api/v4/users/${a.gitlabId}/block`, `DELETE /api/v4/groups/${gid}/members/${a.gitlabId}?skip_subresources=false`]);
    expect((await targetAudit(bridge, targetId, "gitlab.membership.removed")).map((e) => e.details)).toEqual([expect.objectContaining({ gitlabUserId: a.gitlabId, cascade: true })]);

    since = await lastSeq(bridge);
    const enabled = await step(() => c.scim("patch", `/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: "Replace", path: "active", value: "True" }] }));
    expect(enabled.status).toBeLessThan(300);
    expect((await gitlabUser(bridge, a.gitlabId))!.state).toBe("active");
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, DEVELOPER], [b, DEVELOPER]]));
    const writes = await writesSince(since);
    expect(writes.lines).toEqual([`POST /api/v4/users/${a.gitlabId}/unblock`, `POST /api/v4/groups/${gid}/members`]);
    expect(writes.records[1].body).toMatchObject({ access_level: DEVELOPER });
    expect(sortedIds((writes.records[1].body as { user_id: unknown }).user_id)).toEqual([a.gitlabId]);
  });
});

describe("the user pass marks the user's GitLab groups (issue 11, part D)", () => {
  afterEach(() => bridge.emulator.faults.clear());

  test("Okta O-02 create throttled (contract §6: 429 Retry-After), O-09 group pushed meanwhile: the member is absent until linked, then the link's pass adds it", async () => {
    const c = await connection("okta");
    const g = await seedGroup(bridge);
    const name = unique("Okta Late ");
    const targetId = await rule(c, name, g, DEVELOPER);
    // Every attempt of the client's first try is throttled, so the user's pass waits Retry-After.
    bridge.emulator.faults.set({ script: [{ method: "POST", path: "/api/v4/users", times: 3, respond: { status: 429, body: { message: { error: "This endpoint has been requested too many times. Try again later." } }, headers: { "Retry-After": "1" } } }] });
    const userName = `${unique("okta.late.")}@okta.local`;
    const user = await step(() => c.scim("post", "/Users", oktaUserBody(userName, `00u${crypto.randomBytes(8).toString("hex")}`)));
    expect(user.status).toBe(201);
    expect(await linkOf(bridge, user.body.id)).toMatchObject({ gitlabUserId: null, syncState: "pending" });
    await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name, members: [{ value: user.body.id, display: userName }] }));
    // The group's pass ran with its member not linked yet: nothing granted.
    expect(await levelsOf(bridge, g)).toEqual({});
    expect(await targetOf(bridge, targetId)).toMatchObject({ syncState: "synced", memberships: [] });

    const link = await until(bridge, () => linkOf(bridge, user.body.id), (l) => l?.gitlabUserId != null);
    const members = await until(bridge, () => levelsOf(bridge, g), (m) => Object.keys(m).length > 0);
    expect(members).toEqual({ [link!.gitlabUserId!]: DEVELOPER });
  });

  test("Okta AIW O-06 PUT active:false with remove_memberships → out of the GitLab group (skip_subresources=false); O-07/O-08 PATCH active true → back at the rule's level", async () => {
    const c = await connection("okta", { removeMemberships: true });
    const g = await seedGroup(bridge);
    const name = unique("Okta Sales ");
    const targetId = await rule(c, name, g, REPORTER);
    const [a, b] = await oktaUsers(c, 2);
    await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name, members: [a, b].map((p) => ({ value: p.id, display: p.userName })) }));
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, REPORTER], [b, REPORTER]]));
    const gid = await gitlabGroupId(targetId);

    let since = await lastSeq(bridge);
    const put = await step(() => c.scim("put", `/Users/${a.id}`, { ...oktaUserBody(a.userName, a.externalId, false), id: a.id }));
    expect(put.status).toBe(200);
    expect(await levelsOf(bridge, g)).toEqual(levels([[b, REPORTER]]));
    expect((await writesSince(since)).lines).toEqual([`POST /api/v4/users/${a.gitlabId}/block`, `DELETE /api/v4/groups/${gid}/members/${a.gitlabId}?skip_subresources=false`]);

    since = await lastSeq(bridge);
    await step(() => c.scim("patch", `/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { active: true } }] }));
    expect(await levelsOf(bridge, g)).toEqual(levels([[a, REPORTER], [b, REPORTER]]));
    expect((await writesSince(since)).lines).toEqual([`POST /api/v4/users/${a.gitlabId}/unblock`, `POST /api/v4/groups/${gid}/members`]);
  });
});
