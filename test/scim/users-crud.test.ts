/** RFC 7644 §3.3 – §3.6 on /Users: create, read, replace, patch, delete, with the seams of a write. */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, ENTERPRISE, PATCH_OP, scimClient, USER_SCHEMA, userBody, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge.close());

test("RFC 7644 §3.3 POST /Users answers 201 with the full resource, Location and ETag, never the password", async () => {
  const res = await scim("post", "/Users", userBody("alice@example.com", { password: "s3cret!", externalId: "ext-alice", [ENTERPRISE]: { employeeNumber: "42" } }));
  expect(res.status).toBe(201);
  expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
  expect(res.body).toMatchObject({ userName: "alice@example.com", externalId: "ext-alice", active: true, name: { givenName: "Given", familyName: "Family" } });
  expect(res.body.schemas).toEqual(expect.arrayContaining([USER_SCHEMA, ENTERPRISE]));
  expect(res.body[ENTERPRISE]).toEqual({ employeeNumber: "42" });
  expect(res.body).not.toHaveProperty("password");
  expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.body.meta).toMatchObject({ resourceType: "User", version: 'W/"1"', location: `${bridge.url}/scim/v2/Users/${res.body.id}` });
  expect(res.headers.location).toBe(res.body.meta.location);
  expect(res.headers.etag).toBe('W/"1"');
  expect(Date.parse(res.body.meta.created)).not.toBeNaN();
  expect(JSON.stringify(await bridge.db.prisma.scimUser.findUnique({ where: { id: res.body.id } }))).not.toContain("s3cret");
});

test("RFC 7644 §3.3 a write commits an audit event and a ReconcileItem with the desired state", async () => {
  const user = await createUser(scim, "audited");
  const audit = await bridge.db.prisma.auditEvent.findMany({ where: { subjectId: user.id } });
  expect(audit.map((a) => a.action)).toEqual(["scim.user.created"]);
  expect(audit[0].actor).toMatch(/^scim:gsb_/);
  const item = await bridge.db.prisma.reconcileItem.findUnique({ where: { subjectType_subjectId: { subjectType: "user", subjectId: user.id } } });
  expect(item).toMatchObject({ state: "pending", connectionId: bridge.connectionId });
});

test("RFC 7644 §3.4.1 GET /Users/{id} returns the user; an unknown or malformed id is 404", async () => {
  const user = await createUser(scim, "bob");
  const res = await scim("get", `/Users/${user.id}`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual(user);
  for (const id of ["00000000-0000-4000-8000-000000000000", "010101001010101011001010101011"]) {
    const missing = await scim("get", `/Users/${id}`);
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "404" });
    expect(missing.body.detail).toBeTruthy();
  }
});

test("RFC 7644 §3.5.1 PUT replaces the user: attributes left out are cleared, the version moves", async () => {
  const user = await createUser(scim, "carol", { displayName: "Carol", title: "Engineer" });
  const res = await scim("put", `/Users/${user.id}`, { ...userBody("Carol.New"), id: user.id, meta: user.meta });
  expect(res.status).toBe(200);
  expect(res.body.userName).toBe("Carol.New");
  expect(res.body).not.toHaveProperty("title");
  expect(res.body).not.toHaveProperty("displayName");
  expect(res.body.meta.version).toBe('W/"2"');
  expect(res.body.meta.created).toBe(user.meta.created);
  expect((await scim("put", "/Users/00000000-0000-4000-8000-000000000000", userBody("x"))).status).toBe(404);
});

test("RFC 7644 §3.5.2 PATCH replace active=false answers 200 with the patched user", async () => {
  const user = await createUser(scim, "dave");
  const res = await scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
  expect(res.status).toBe(200);
  expect(res.body.active).toBe(false);
  expect(res.body.meta.version).toBe('W/"2"');
  expect((await bridge.db.prisma.scimUser.findUnique({ where: { id: user.id } }))?.active).toBe(false);
});

test("RFC 7644 §3.5.2 PATCH without path (Okta deactivate) and with URN-qualified keys", async () => {
  const user = await createUser(scim, "erin");
  const res = await scim("patch", `/Users/${user.id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: "replace", value: { active: false, "name.givenName": "Erin", [`${ENTERPRISE}:department`]: "R&D" } }],
  });
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ active: false, name: { givenName: "Erin" }, [ENTERPRISE]: { department: "R&D" } });
});

test("RFC 7644 §3.6 DELETE answers 204, then 404; the userName can be reused and a tombstone remains", async () => {
  const user = await createUser(scim, "frank");
  const group = await createGroup(scim, "frank's group", [user.id]);
  const res = await scim("delete", `/Users/${user.id}`);
  expect(res.status).toBe(204);
  expect(res.text).toBe("");
  expect((await scim("get", `/Users/${user.id}`)).status).toBe(404);
  expect((await scim("delete", `/Users/${user.id}`)).status).toBe(404);
  const tombstone = await bridge.db.prisma.scimUser.findUnique({ where: { id: user.id } });
  expect(tombstone?.deletedAt).not.toBeNull();
  expect(tombstone?.userNameKey).toBeNull();
  const groupNow = await scim("get", `/Groups/${group.id}`);
  expect(groupNow.body.members).toEqual([]);
  const groupItem = await bridge.db.prisma.reconcileItem.findUnique({ where: { subjectType_subjectId: { subjectType: "group", subjectId: group.id } } });
  expect(groupItem?.generation).toBeGreaterThanOrEqual(2);
  const list = await scim("get", `/Users?filter=${encodeURIComponent('userName eq "frank"')}`);
  expect(list.body.totalResults).toBe(0);
  expect((await scim("post", "/Users", userBody("FRANK"))).status).toBe(201);
});

test("RFC 7643 §4.1 users show their groups, read-only", async () => {
  const user = await createUser(scim, "gina");
  const group = await createGroup(scim, "Gina's team", [user.id]);
  const res = await scim("get", `/Users/${user.id}`);
  expect(res.body.groups).toEqual([{ value: group.id, display: "Gina's team", $ref: `${bridge.url}/scim/v2/Groups/${group.id}`, type: "direct" }]);
  // groups in a body are ignored (read-only): membership changes go through /Groups.
  const put = await scim("put", `/Users/${user.id}`, { ...userBody("gina"), groups: [] });
  expect(put.status).toBe(200);
  expect(put.body.groups).toHaveLength(1);
});

test("RFC 7644 §3.5.2 PATCH of an email value moves the indexed email lookup with it (Entra value path)", async () => {
  const user = await createUser(scim, "henry", { emails: [{ value: "henry@old.example", type: "work", primary: true }] });
  const res = await scim("patch", `/Users/${user.id}`, {
    schemas: [PATCH_OP],
    Operations: [{ op: "Replace", path: 'emails[type eq "work"].value', value: "henry@new.example" }],
  });
  expect(res.status).toBe(200);
  const find = async (email: string) =>
    (await scim("get", `/Users?filter=${encodeURIComponent(`emails[type eq "work"].value eq "${email}"`)}`)).body.Resources.map((r: { id: string }) => r.id);
  expect(await find("henry@new.example")).toEqual([user.id]);
  expect(await find("henry@old.example")).toEqual([]);
  // A deactivation leaves the emails (and their index rows, the very same rows) as they were.
  const emailRows = () => bridge.db.prisma.scimUserEmail.findMany({ where: { userId: user.id }, orderBy: { id: "asc" } });
  const before = await emailRows();
  await scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
  expect(await find("henry@new.example")).toEqual([user.id]);
  expect(await emailRows()).toEqual(before);
});

test("RFC 7643 §4.1 a user created without `active` is shown active", async () => {
  const res = await scim("post", "/Users", { schemas: [USER_SCHEMA], userName: "no.active.sent" });
  expect(res.status).toBe(201);
  expect(res.body.active).toBe(true);
});

test("RFC 7644 §3.5.2 deactivate and reactivate (Entra \"False\", Okta pathless): stored, audited once, re-sends change nothing", async () => {
  const user = await createUser(scim, "leaver", { externalId: "leaver-ext" });
  const send = (Operations: unknown[], headers: Record<string, string> = {}) => scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations }, headers);
  let res = await send([{ op: "Replace", path: "active", value: "False" }]);
  expect(res.status).toBe(200);
  expect(res.body).toMatchObject({ active: false, userName: "leaver", externalId: "leaver-ext", meta: { version: 'W/"2"' } });
  expect((await scim("get", `/Users/${user.id}`)).body).toEqual(res.body);
  res = await send([{ op: "replace", value: { active: false } }]);
  expect(res.body.meta.version).toBe('W/"2"');
  const audits = await bridge.db.prisma.auditEvent.findMany({ where: { subjectId: user.id, action: "scim.user.patched" } });
  expect(audits.map((a) => a.details)).toEqual([{ userName: "leaver", externalId: "leaver-ext", active: false }]);
  expect((await bridge.db.prisma.scimUser.findUniqueOrThrow({ where: { id: user.id } })).resource).toMatchObject({ active: false });
  res = await send([{ op: "replace", path: "active", value: true }], { "If-Match": 'W/"1"' });
  expect(res.status).toBe(412);
  res = await send([{ op: "replace", path: "active", value: true }], { "If-Match": 'W/"2"' });
  expect(res.body).toMatchObject({ active: true, meta: { version: 'W/"3"' } });
  expect((await scim("patch", "/Users/3f5c8f8e-2b7a-4c1d-9e0f-1a2b3c4d5e6f", { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] })).status).toBe(404);
});
