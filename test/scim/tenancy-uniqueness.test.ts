/**
 * Tenant isolation (each IdP connection sees only its own resources) and race-safe userName
 * uniqueness (RFC 7643 §4.1.1: unique per service provider, case-insensitive; here: per connection).
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, PATCH_OP, scimClient, userBody, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let entra: ScimClient;
let okta: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  entra = scimClient(bridge);
  okta = scimClient(bridge, (await bridge.addConnection("okta", "okta")).token);
});
afterAll(() => bridge.close());

test("tenant isolation: another connection's user and group ids answer 404 to every verb", async () => {
  const user = await createUser(okta, "okta.only");
  const group = await createGroup(okta, "Okta only", [user.id]);
  for (const [kind, id] of [["Users", user.id], ["Groups", group.id]]) {
    expect((await entra("get", `/${kind}/${id}`)).status).toBe(404);
    expect((await entra("put", `/${kind}/${id}`, kind === "Users" ? userBody("hijack") : { displayName: "hijack" })).status).toBe(404);
    expect((await entra("patch", `/${kind}/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "x" }] })).status).toBe(404);
    expect((await entra("delete", `/${kind}/${id}`)).status).toBe(404);
  }
  expect((await okta("get", `/Users/${user.id}`)).body.userName).toBe("okta.only");
  expect((await okta("get", `/Groups/${group.id}`)).body.displayName).toBe("Okta only");
});

test("tenant isolation: lists, filters and searches never leak another connection's resources", async () => {
  await createUser(okta, "leak.check", { externalId: "leak-ext" });
  const mine = await createUser(entra, "entra.user");
  for (const filter of ['userName eq "leak.check"', 'externalId eq "leak-ext"', 'emails.value co "leak"', "userName pr", 'title pr or userName sw "leak"']) {
    const res = await entra("get", `/Users?filter=${encodeURIComponent(filter)}`);
    expect(res.body.Resources.map((r: { userName: string }) => r.userName)).not.toContain("leak.check");
  }
  const all = await entra("get", "/Users");
  expect(all.body.Resources.map((r: { id: string }) => r.id)).toContain(mine.id);
  expect(all.body.Resources.map((r: { userName: string }) => r.userName)).not.toContain("leak.check");
  const search = await entra("post", "/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'userName eq "leak.check" or displayName eq "Okta only"' });
  expect(search.body.totalResults).toBe(0);
});

test("tenant isolation: the same userName may exist in two connections", async () => {
  await createUser(entra, "shared.name");
  expect((await okta("post", "/Users", userBody("Shared.Name"))).status).toBe(201);
});

test("RFC 7643 §4.1.1 userName is unique case-insensitively: 409 uniqueness (Okta SPEC step 8)", async () => {
  await createUser(entra, "Unique.Person@example.com");
  const res = await entra("post", "/Users", userBody("unique.person@EXAMPLE.com"));
  expect(res.status).toBe(409);
  expect(res.body).toMatchObject({ scimType: "uniqueness", status: "409" });
  expect(res.body.detail).toContain("unique.person@EXAMPLE.com");
});

test("RFC 7643 §4.1.1 concurrent creates of one userName: exactly one 201, the others 409", async () => {
  const spellings = ["race@example.com", "RACE@example.com", "Race@Example.com", "race@EXAMPLE.COM", "rAce@example.com", "racE@example.com"];
  const results = await Promise.all(spellings.map((userName) => entra("post", "/Users", userBody(userName))));
  const statuses = results.map((r) => r.status).sort();
  expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
  const stored = await bridge.db.prisma.scimUser.count({ where: { connectionId: bridge.connectionId, userNameKey: "race@example.com" } });
  expect(stored).toBe(1);
  // Whichever spelling won, exactly one creation was audited (the losers' statements wrote nothing).
  const created = await bridge.db.prisma.auditEvent.findMany({ where: { action: "scim.user.created" } });
  expect(created.filter((e) => String((e.details as { userName?: string }).userName).toLowerCase() === "race@example.com")).toHaveLength(1);
});

test("RFC 7643 §4.1.1 concurrent renames onto one userName: exactly one succeeds", async () => {
  const a = await createUser(entra, "rename.a");
  const b = await createUser(entra, "rename.b");
  const results = await Promise.all([a, b].map((u) => entra("put", `/Users/${u.id}`, userBody("renamed.target"))));
  expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
});
