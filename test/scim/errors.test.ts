/**
 * RFC 7644 §3.12 errors: every rejected request is a SCIM error body with the right status and
 * scimType, and leaves the store exactly as it was.
 */
import { revokeConnectionToken } from "../../src/connections/token-admin";
import request from "supertest";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, ERROR_SCHEMA, PATCH_OP, scimClient, snapshotStore, userBody, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let scim: ScimClient;
let user: Record<string, any>;
let group: Record<string, any>;

beforeAll(async () => {
  bridge = await startTestBridge({ env: { SCIM_MAX_BODY_BYTES: "2048" } });
  scim = scimClient(bridge);
  user = await createUser(scim, "existing");
  group = await createGroup(scim, "existing group", [user.id]);
});
afterAll(() => bridge.close());

function expectScimError(res: request.Response, status: number, scimType?: string) {
  expect(res.status).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/scim\+json/);
  expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.body.status).toBe(String(status));
  expect(typeof res.body.detail).toBe("string");
  if (scimType) expect(res.body.scimType).toBe(scimType);
}

const raw = (method: "post" | "put" | "patch", path: string, body: string, type = "application/scim+json") =>
  request(bridge.url)[method](`/scim/v2${path}`).set("Authorization", `Bearer ${bridge.token}`).set("Content-Type", type).send(body);

const rejected: Array<[string, () => Promise<request.Response>, number, string | undefined]> = [
  ["malformed JSON on POST", () => raw("post", "/Users", '{"userName": "x",'), 400, "invalidSyntax"],
  ["malformed JSON on PATCH", () => raw("patch", `/Users/${user.id}`, "{nope"), 400, "invalidSyntax"],
  ["a JSON array as the body", () => raw("post", "/Users", "[]"), 400, "invalidSyntax"],
  ["a missing userName", () => scim("post", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], name: { givenName: "x" } }), 400, "invalidValue"],
  ["a userName of the wrong type", () => scim("post", "/Users", userBody("x", { userName: 42 })), 400, "invalidValue"],
  ["active of the wrong type", () => scim("post", "/Users", userBody("x", { active: "maybe" })), 400, "invalidValue"],
  ["a complex attribute given as a string", () => scim("post", "/Users", userBody("x", { name: "Mr X" })), 400, "invalidValue"],
  ["an email value of the wrong type", () => scim("post", "/Users", userBody("x", { emails: [{ value: 5, type: "work" }] })), 400, "invalidValue"],
  ["PUT without userName", () => scim("put", `/Users/${user.id}`, { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"] }), 400, "invalidValue"],
  ["PATCH on an unknown attribute path", () => scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "favouriteColour", value: "x" }] }), 400, "invalidPath"],
  ["PATCH with an unknown op", () => scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "merge", path: "active", value: false }] }), 400, "invalidSyntax"],
  ["PATCH without Operations", () => scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP] }), 400, "invalidSyntax"],
  ["PATCH removing the required userName", () => scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "remove", path: "userName" }] }), 400, "invalidValue"],
  ["PATCH on the read-only id", () => scim("patch", `/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "id", value: "x" }] }), 400, "mutability"],
  ["a duplicate userName in another case", () => scim("post", "/Users", userBody("EXISTING")), 409, "uniqueness"],
  ["a PUT renaming onto another user's userName", async () => {
    const other = await createUser(scim, "other.one");
    return scim("put", `/Users/${other.id}`, userBody("Existing"));
  }, 409, "uniqueness"],
  ["a bad filter", () => scim("get", `/Users?filter=${encodeURIComponent("userName eq")}`), 400, "invalidFilter"],
  ["a body over SCIM_MAX_BODY_BYTES", () => scim("post", "/Users", userBody("big", { title: "x".repeat(4000) })), 413, undefined],
  ["a body in text/plain", () => raw("post", "/Users", JSON.stringify(userBody("plain")), "text/plain"), 415, undefined],
  ["a body in application/xml", () => raw("put", `/Users/${user.id}`, "<user/>", "application/xml"), 415, undefined],
  ["an unknown user id", () => scim("get", "/Users/2819c223-7f76-453a-919d-413861904646"), 404, undefined],
  ["an unknown group id on PATCH", () => scim("patch", "/Groups/2819c223-7f76-453a-919d-413861904646", { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: user.id }] }] }), 404, undefined],
  ["an unknown endpoint", () => scim("get", "/Bulk"), 404, undefined],
  ["unknown group members", () => scim("patch", `/Groups/${group.id}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: "2819c223-7f76-453a-919d-413861904646" }] }] }), 400, "invalidValue"],
];

test.each(rejected)("RFC 7644 §3.12 %s is rejected and changes nothing", async (_name, send, status, scimType) => {
  const before = await snapshotStore(bridge);
  const res = await send();
  expectScimError(res, status, scimType);
  const after = await snapshotStore(bridge);
  // The only write allowed is the setup inside the PUT-rename case (a user created to rename).
  if (_name.startsWith("a PUT renaming")) return;
  expect(after).toEqual(before);
});

test("RFC 7644 §3.3 unknown attributes are ignored, not stored (Microsoft: PUT with a misspelled attribute → 200)", async () => {
  const res = await scim("post", "/Users", userBody("extra.attrs", { favouriteColour: "blue", "urn:example:unknown": { x: 1 } }));
  expect(res.status).toBe(201);
  expect(res.body).not.toHaveProperty("favouriteColour");
  const row = await bridge.db.prisma.scimUser.findUnique({ where: { id: res.body.id } });
  expect(JSON.stringify(row?.resource)).not.toContain("favouriteColour");
});

test("RFC 7644 §3.1 a body without Content-Type is read as JSON; application/json is accepted", async () => {
  const noType = await request(bridge.url).post("/scim/v2/Users").set("Authorization", `Bearer ${bridge.token}`).send(Buffer.from(JSON.stringify(userBody("no.type"))));
  expect(noType.status).toBe(201);
  const json = await raw("post", "/Users", JSON.stringify(userBody("json.type")), "application/json; charset=utf-8");
  expect(json.status).toBe(201);
  expect(json.headers["content-type"]).toMatch(/^application\/scim\+json/);
});

test("RFC 6750 §3 a missing token is 401 with WWW-Authenticate and a SCIM error body", async () => {
  const res = await request(bridge.url).get("/scim/v2/Users");
  expectScimError(res, 401);
  expect(res.headers["www-authenticate"]).toBe('Bearer realm="SCIM"');
});

test("RFC 6750 §3 a bad token is 401 invalid_token (Okta SPEC step 11)", async () => {
  const res = await request(bridge.url).get("/scim/v2/Users").set("Authorization", "non-token");
  expectScimError(res, 401);
  const bad = await request(bridge.url).get("/scim/v2/Users").set("Authorization", "Bearer gsb_notarealtoken");
  expectScimError(bad, 401);
  expect(bad.headers["www-authenticate"]).toContain('error="invalid_token"');
});

test("RFC 6750 §3 a revoked token is 401", async () => {
  const extra = await bridge.addConnection("revoked-conn");
  const client = scimClient(bridge, extra.token);
  expect((await client("get", "/Users")).status).toBe(200);
  // Through the operator's revocation (what `token revoke` runs), which also clears the token cache.
  const { id: tokenId } = await bridge.db.prisma.apiToken.findFirstOrThrow({ where: { connectionId: extra.id } });
  await revokeConnectionToken(bridge.db.prisma, { connectionName: "revoked-conn", tokenId, actor: "test" });
  const res = await client("get", "/Users");
  expectScimError(res, 401);
  expect(res.headers["www-authenticate"]).toContain("invalid_token");
});

test("RFC 7644 §3.12 an unexpected failure is a generic 500 (never a 404 or 400), its cause kept out of the body", async () => {
  const broken = await startTestBridge();
  try {
    const client = scimClient(broken);
    const created = await createUser(client, "soon.broken");
    // Break the store underneath the running bridge: the membership join now fails in SQL.
    await broken.db.sql.exec('ALTER TABLE "ScimGroupMember" RENAME TO "ScimGroupMemberGone"');
    const res = await client("get", `/Users/${created.id}`);
    expectScimError(res, 500);
    expect(res.body.detail).toBe("Internal server error");
    expect(res.text).not.toMatch(/ScimGroupMember|relation|SQL/i);
  } finally {
    await broken.close();
  }
});
