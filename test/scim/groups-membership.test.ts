/**
 * RFC 7643 §4.2 Groups and their members: create, read, PUT (Okta's full push), PATCH (Entra and
 * Okta shapes), DELETE; members must be live users of the same connection.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, GROUP_SCHEMA, PATCH_OP, scimClient, snapshotStore, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let scim: ScimClient;
let u1: string, u2: string, u3: string;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
  u1 = (await createUser(scim, "member.one", { displayName: "Member One" })).id;
  u2 = (await createUser(scim, "member.two")).id;
  u3 = (await createUser(scim, "member.three")).id;
});
afterAll(() => bridge.close());

const memberIds = (body: { members?: Array<{ value: string }> }) => (body.members ?? []).map((m) => m.value).sort();
const patch = (id: string, Operations: unknown[]) => scim("patch", `/Groups/${id}`, { schemas: [PATCH_OP], Operations });

test("RFC 7644 §3.3 POST /Groups with members (no type: users) answers 201 with members, Location and ETag (Okta O-09)", async () => {
  const res = await scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Push", externalId: "okta-1", members: [{ value: u1 }, { value: u2, display: "x" }] });
  expect(res.status).toBe(201);
  expect(res.headers.location).toBe(res.body.meta.location);
  expect(res.headers.etag).toBe('W/"1"');
  expect(res.body).toMatchObject({ displayName: "Push", externalId: "okta-1", meta: { resourceType: "Group" } });
  expect(res.body.members).toEqual(
    expect.arrayContaining([{ value: u1, display: "Member One", type: "User", $ref: `${bridge.url}/scim/v2/Users/${u1}` }]),
  );
  expect(memberIds(res.body)).toEqual([u1, u2].sort());
  // The answer is read by the creating statement itself: it must be what a GET reads afterwards.
  const read = await scim("get", `/Groups/${res.body.id}`);
  expect(read.body).toEqual(res.body);
  const audit = await bridge.db.prisma.auditEvent.findFirst({ where: { subjectId: res.body.id, action: "scim.group.created" } });
  expect(audit?.details).toMatchObject({ added: expect.arrayContaining([u1, u2]) });
  expect(await bridge.db.prisma.reconcileItem.count({ where: { subjectType: "group", subjectId: res.body.id } })).toBe(1);
});

test("RFC 7643 §4.2 displayName is not unique: directories allow duplicates", async () => {
  await createGroup(scim, "Twin");
  expect((await scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "twin" })).status).toBe(201);
});

test("RFC 7644 §3.5.1 PUT replaces name and the whole member list (Okta O-16)", async () => {
  const group = await createGroup(scim, "Full push", [u1, u2]);
  const res = await scim("put", `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], id: group.id, displayName: "Full push v2", members: [{ value: u2 }, { value: u3 }] });
  expect(res.status).toBe(200);
  expect(res.body.displayName).toBe("Full push v2");
  expect(memberIds(res.body)).toEqual([u2, u3].sort());
  const audit = await bridge.db.prisma.auditEvent.findFirst({ where: { subjectId: group.id, action: "scim.group.replaced" } });
  expect(audit?.details).toMatchObject({ added: [u3], removed: [u1] });
});

test("RFC 7644 §3.5.2 PATCH add members, remove by filter and by value list (Okta O-14, Entra legacy)", async () => {
  const group = await createGroup(scim, "Delta", [u1]);
  let res = await patch(group.id, [
    { op: "remove", path: `members[value eq "${u1}"]` },
    { op: "add", path: "members", value: [{ value: u2, display: "member.two" }, { value: u3 }] },
  ]);
  expect(res.status).toBe(200);
  expect(memberIds(res.body)).toEqual([u2, u3].sort());
  res = await patch(group.id, [{ op: "Remove", path: "members", value: [{ value: u2 }] }]);
  expect(memberIds(res.body)).toEqual([u3]);
  res = await patch(group.id, [{ op: "replace", path: "members", value: [{ value: u1 }] }]);
  expect(memberIds(res.body)).toEqual([u1]);
  res = await patch(group.id, [{ op: "remove", path: "members" }]);
  expect(memberIds(res.body)).toEqual([]);
  const item = await bridge.db.prisma.reconcileItem.findUnique({ where: { subjectType_subjectId: { subjectType: "group", subjectId: group.id } } });
  expect(item?.generation).toBe(5);
});

test("RFC 7644 §3.5.2 PATCH rename without path; an unchanged re-send writes nothing (Okta O-13)", async () => {
  const group = await createGroup(scim, "Old name", [u1]);
  const renamed = await patch(group.id, [{ op: "replace", value: { id: group.id, displayName: "New name" } }]);
  expect(renamed.status).toBe(200);
  expect(renamed.body).toMatchObject({ displayName: "New name", meta: { version: 'W/"2"' } });
  expect(memberIds(renamed.body)).toEqual([u1]);
  const again = await patch(group.id, [{ op: "replace", value: { id: group.id, displayName: "New name" } }]);
  expect(again.body.meta.version).toBe('W/"2"');
});

test("RFC 7644 §3.5.2 a PATCH answers the group as stored: the same members, order and version a GET then shows", async () => {
  const group = await createGroup(scim, "Answer", [u1, u2]);
  const steps = [
    [{ op: "add", path: "members", value: [{ value: u3 }, { value: u1 }] }], // u1 already a member: no duplicate
    [{ op: "remove", path: `members[value eq "${u2}"]` }],
    [{ op: "add", path: "members", value: [{ value: u2 }] }], // re-added: now last
    [{ op: "replace", path: "displayName", value: "Answer renamed" }],
  ];
  for (const operations of steps) {
    const patched = await patch(group.id, operations);
    expect(patched.status).toBe(200);
    const read = await scim("get", `/Groups/${group.id}`);
    expect(patched.body).toEqual(read.body);
    expect(patched.headers.etag).toBe(read.headers.etag);
  }
  expect((await scim("get", `/Groups/${group.id}`)).body.members.map((m: { value: string }) => m.value)).toEqual([u1, u3, u2]);
});

test("RFC 7644 §3.14 a user's ETag moves when its groups change: join, rename, leave, group deleted (no stale 304)", async () => {
  const member = (await createUser(scim, "etag.member")).id;
  const etagOf = async () => (await scim("get", `/Users/${member}`)).headers.etag as string;
  const seen = [await etagOf()];
  const group = await createGroup(scim, "Etag group", [member]);
  seen.push(await etagOf());
  await patch(group.id, [{ op: "replace", path: "displayName", value: "Etag group renamed" }]);
  seen.push(await etagOf());
  await patch(group.id, [{ op: "replace", path: "externalId", value: "not-a-rename" }]);
  expect(await etagOf()).toBe(seen[seen.length - 1]);
  await patch(group.id, [{ op: "remove", path: `members[value eq "${member}"]` }]);
  seen.push(await etagOf());
  await patch(group.id, [{ op: "add", path: "members", value: [{ value: member }] }]);
  seen.push(await etagOf());
  expect((await scim("delete", `/Groups/${group.id}`)).status).toBe(204);
  seen.push(await etagOf());
  expect(new Set(seen).size).toBe(seen.length);
  const stale = await scim("get", `/Users/${member}`, undefined, { "If-None-Match": seen[1] });
  expect(stale.status).toBe(200);
  expect(stale.body.groups).toBeUndefined();
});

test("RFC 7644 §3.5.2 member pushes apply in order; a push that changes nothing writes nothing", async () => {
  const group = await createGroup(scim, "Ordered", [u1]);
  let res = await patch(group.id, [
    { op: "add", path: "members", value: [{ value: u2 }] },
    { op: "remove", path: `members[value eq "${u2}"]` },
    { op: "Add", path: "members", value: [{ value: u3 }] },
  ]);
  expect(res.status).toBe(200);
  expect(memberIds(res.body)).toEqual([u1, u3].sort());
  expect(res.body.meta.version).toBe('W/"2"');
  res = await patch(group.id, [{ op: "remove", path: "members", value: [{ value: u2 }] }]); // u2 is not a member
  expect(res.status).toBe(200);
  expect(res.body.meta.version).toBe('W/"2"');
  expect(memberIds(res.body)).toEqual([u1, u3].sort());
  expect(await bridge.db.prisma.auditEvent.count({ where: { subjectId: group.id, action: "scim.group.patched" } })).toBe(1);
  const missing = "0b7d1f5e-4a51-4c7e-9b8e-3f2a6d1c9e00";
  const gone = await patch(missing, [{ op: "add", path: "members", value: [{ value: "not-a-user" }] }]);
  expect(gone.status).toBe(404);
});

test("RFC 7644 §3.5.2 concurrent PATCHes adding different members both land", async () => {
  const group = await createGroup(scim, "Concurrent");
  const results = await Promise.all([u1, u2, u3].map((u) => patch(group.id, [{ op: "add", path: "members", value: [{ value: u }] }])));
  expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
  expect(memberIds((await scim("get", `/Groups/${group.id}`)).body)).toEqual([u1, u2, u3].sort());
});

test("RFC 7643 §4.2 unknown, malformed or foreign member ids are 400 invalidValue naming them, and nothing changes", async () => {
  const foreign = await bridge.addConnection("foreign");
  const foreignUser = await createUser(scimClient(bridge, foreign.token), "foreign.user");
  const group = await createGroup(scim, "Guarded", [u1]);
  const before = await snapshotStore(bridge);
  const unknown = "2819c223-7f76-453a-919d-413861904646";
  for (const send of [
    () => scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Bad", members: [{ value: u1 }, { value: unknown }] }),
    () => scim("put", `/Groups/${group.id}`, { schemas: [GROUP_SCHEMA], displayName: "Guarded", members: [{ value: foreignUser.id }] }),
    () => patch(group.id, [{ op: "add", path: "members", value: [{ value: "not-a-uuid" }] }]),
  ]) {
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidValue");
    expect(res.body.detail).toMatch(new RegExp(`${unknown}|${foreignUser.id}|not-a-uuid`));
  }
  const nested = await scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Nested", members: [{ value: group.id, type: "Group" }] });
  expect(nested.status).toBe(400);
  expect(await snapshotStore(bridge)).toEqual(before);
});

test("RFC 7643 §4.2 a deleted user cannot be added to a group", async () => {
  const gone = await createUser(scim, "gone.user");
  await scim("delete", `/Users/${gone.id}`);
  const res = await scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "With ghost", members: [{ value: gone.id }] });
  expect(res.status).toBe(400);
});

test("RFC 7644 §3.6 DELETE /Groups answers 204, then 404, drops memberships, keeps a tombstone (Okta O-17)", async () => {
  const group = await createGroup(scim, "Doomed", [u1]);
  expect((await scim("delete", `/Groups/${group.id}`)).status).toBe(204);
  expect((await scim("get", `/Groups/${group.id}`)).status).toBe(404);
  expect((await scim("delete", `/Groups/${group.id}`)).status).toBe(404);
  expect((await bridge.db.prisma.scimGroup.findUnique({ where: { id: group.id } }))?.deletedAt).not.toBeNull();
  expect(await bridge.db.prisma.scimGroupMember.count({ where: { groupId: group.id } })).toBe(0);
  const user = await scim("get", `/Users/${u1}`);
  expect((user.body.groups ?? []).map((g: { value: string }) => g.value)).not.toContain(group.id);
  const list = await scim("get", `/Groups?filter=${encodeURIComponent('displayName eq "Doomed"')}`);
  expect(list.body.totalResults).toBe(0);
});
