/** RFC 7644 §3.14 versioning with ETags, and §4 discovery endpoints that tell the truth. */
import request from "supertest";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, PATCH_OP, scimClient, userBody, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge({ env: { SCIM_MAX_PAGE_SIZE: "500" } });
  scim = scimClient(bridge);
});
afterAll(() => bridge.close());

const deactivate = { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] };

test("RFC 7644 §3.14 GET carries ETag = meta.version; If-None-Match with it answers 304", async () => {
  const user = await createUser(scim, "etag.user");
  const res = await scim("get", `/Users/${user.id}`);
  expect(res.headers.etag).toBe('W/"1"');
  expect(res.body.meta.version).toBe('W/"1"');
  const notModified = await scim("get", `/Users/${user.id}`, undefined, { "If-None-Match": 'W/"1"' });
  expect(notModified.status).toBe(304);
  expect(notModified.text).toBe("");
  const modified = await scim("get", `/Users/${user.id}`, undefined, { "If-None-Match": 'W/"0"' });
  expect(modified.status).toBe(200);
});

test("RFC 7644 §3.14 If-Match mismatch on PUT, PATCH and DELETE is 412 with a clear detail and changes nothing", async () => {
  const user = await createUser(scim, "etag.writer");
  for (const [method, body] of [["put", userBody("etag.writer2")], ["patch", deactivate], ["delete", undefined]] as const) {
    const res = await scim(method, `/Users/${user.id}`, body, { "If-Match": 'W/"7"' });
    expect(res.status).toBe(412);
    expect(res.body.detail).toContain('W/"1"');
  }
  const after = await scim("get", `/Users/${user.id}`);
  expect(after.body).toMatchObject({ userName: "etag.writer", active: true, meta: { version: 'W/"1"' } });
});

test("RFC 7644 §3.14 If-Match with the current version or * lets the write through", async () => {
  const user = await createUser(scim, "etag.ok");
  const patched = await scim("patch", `/Users/${user.id}`, deactivate, { "If-Match": 'W/"1"' });
  expect(patched.status).toBe(200);
  expect(patched.headers.etag).toBe('W/"2"');
  const put = await scim("put", `/Users/${user.id}`, userBody("etag.ok"), { "If-Match": "*" });
  expect(put.status).toBe(200);
  expect(put.body.meta.version).toBe('W/"3"');
  const group = await createGroup(scim, "etag group");
  expect((await scim("patch", `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "x" }] }, { "If-Match": 'W/"9"' })).status).toBe(412);
  expect((await scim("delete", `/Groups/${group.id}`, undefined, { "If-Match": 'W/"1"' })).status).toBe(204);
});

test("RFC 7644 §4 /ServiceProviderConfig says what is supported, and only that", async () => {
  const res = await scim("get", "/ServiceProviderConfig");
  expect(res.status).toBe(200);
  expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
  expect(res.body).toMatchObject({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    patch: { supported: true },
    bulk: { supported: false },
    filter: { supported: true, maxResults: 500 },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [expect.objectContaining({ type: "oauthbearertoken" })],
  });
});

test("RFC 7644 §4 /Schemas lists User, EnterpriseUser, the GitLab extensions and Group; /Schemas/{id} returns one", async () => {
  const res = await scim("get", "/Schemas");
  expect(res.body.totalResults).toBe(5);
  const ids = res.body.Resources.map((s: { id: string }) => s.id);
  expect(ids).toEqual([
    "urn:ietf:params:scim:schemas:core:2.0:User",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    "urn:ietf:params:scim:schemas:extension:gitlab:2.0:User",
    "urn:ietf:params:scim:schemas:core:2.0:Group",
    "urn:ietf:params:scim:schemas:extension:gitlab:2.0:Group",
  ]);
  expect(res.text).toContain("User Account");
  const user = await scim("get", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User");
  expect(user.body.attributes.find((a: { name: string }) => a.name === "userName")).toMatchObject({ caseExact: false, uniqueness: "server" });
  expect(user.body.meta.location).toBe(`${bridge.url}/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User`);
  expect((await scim("get", "/Schemas/urn:nope")).status).toBe(404);
});

test("RFC 7644 §4 /ResourceTypes names the endpoints, /Users first (Microsoft reference test)", async () => {
  const res = await scim("get", "/ResourceTypes");
  expect(res.body.Resources.map((r: { endpoint: string }) => r.endpoint)).toEqual(["/Users", "/Groups"]);
  expect(res.body.Resources[0].schemaExtensions).toEqual([
    { schema: "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", required: false },
    { schema: "urn:ietf:params:scim:schemas:extension:gitlab:2.0:User", required: false },
  ]);
  expect((await scim("get", "/ResourceTypes/Group")).body).toMatchObject({
    schema: "urn:ietf:params:scim:schemas:core:2.0:Group",
    schemaExtensions: [{ schema: "urn:ietf:params:scim:schemas:extension:gitlab:2.0:Group", required: false }],
  });
  expect((await scim("get", "/ResourceTypes/Nope")).status).toBe(404);
});

test("RFC 7644 §4 discovery endpoints require the bearer token like the rest", async () => {
  for (const path of ["/ServiceProviderConfig", "/Schemas", "/ResourceTypes"]) {
    const res = await request(bridge.url).get(`/scim/v2${path}`);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
  }
});

test("PUBLIC_URL decides meta.location when the bridge sits behind a proxy", async () => {
  const behindProxy = await startTestBridge({ env: { PUBLIC_URL: "https://scim.example.com" } });
  try {
    const user = await createUser(scimClient(behindProxy), "proxied");
    expect(user.meta.location).toBe(`https://scim.example.com/scim/v2/Users/${user.id}`);
  } finally {
    await behindProxy.close();
  }
});
