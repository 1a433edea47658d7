/**
 * Schema-correct validation and PATCH semantics over real HTTP: what Entra ID and Okta really send
 * (../shared/scim-idp.md) is accepted as the schema allows, PATCH follows RFC 7644 §3.5.2, and every
 * malformed or odd PATCH is a 4xx SCIM error that changes nothing.
 */
import request from "supertest";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, ENTERPRISE, ERROR_SCHEMA, PATCH_OP, scimClient, snapshotStore, USER_SCHEMA, userBody, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge.close());

const patchOf = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

function expectScimError(res: request.Response, status: number, scimType: string) {
  expect({ status: res.status, scimType: res.body.scimType }).toEqual({ status, scimType });
  expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.body.detail).toEqual(expect.any(String));
}

async function patchUser(id: string, ...operations: unknown[]): Promise<Record<string, any>> {
  const res = await scim("patch", `/Users/${id}`, patchOf(...operations));
  if (res.status !== 200) throw new Error(`PATCH ${JSON.stringify(operations)}: ${res.status} ${res.text}`);
  return res.body;
}

describe("RFC 7643 §7 canonical values are suggestions", () => {
  test("Entra app role provisioning: POST /Users with a WindowsAzureActiveDirectoryRole role is 201 and stored as sent", async () => {
    const roles = [{ primary: false, type: "WindowsAzureActiveDirectoryRole", value: "Admin" }];
    const res = await scim("post", "/Users", { ...userBody("entra.approle@contoso.com"), schemas: [USER_SCHEMA, ENTERPRISE], roles });
    expect(res.status).toBe(201);
    expect(res.body.roles).toEqual(roles);
    expect((await scim("get", `/Users/${res.body.id}`)).body.roles).toEqual(roles);
  });

  test("Entra app role assignment: PATCH add roles with a WindowsAzureActiveDirectoryRole type is accepted", async () => {
    const user = await createUser(scim, "entra.approle.patch");
    const patched = await patchUser(user.id, { op: "Add", path: "roles", value: [{ primary: false, type: "WindowsAzureActiveDirectoryRole", value: "Reader" }] });
    expect(patched.roles).toEqual([{ primary: false, type: "WindowsAzureActiveDirectoryRole", value: "Reader" }]);
  });

  test("RFC 7643 §4.1.2 x509Certificates and entitlements entries with any type are accepted", async () => {
    const x509Certificates = [{ type: "signing", value: "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw" }];
    const entitlements = [{ type: "license", value: "E5" }];
    const res = await scim("post", "/Users", userBody("x509.typed", { x509Certificates, entitlements, ims: [{ type: "Teams", value: "x" }] }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ x509Certificates, entitlements, ims: [{ type: "Teams", value: "x" }] });
  });

  test('Okta create user: email type "Work" is accepted (type is not caseExact) and stored as sent', async () => {
    const res = await scim("post", "/Users", userBody("okta.work", { emails: [{ value: "okta.work@example.com", type: "Work", primary: true }] }));
    expect(res.status).toBe(201);
    expect(res.body.emails).toEqual([{ value: "okta.work@example.com", type: "Work", primary: true }]);
  });

  test("RFC 7643 §8.7.1 GET /Schemas still lists the suggested canonical values", async () => {
    const res = await scim("get", `/Schemas/${USER_SCHEMA}`);
    const emails = res.body.attributes.find((a: { name: string }) => a.name === "emails");
    expect(emails.subAttributes.find((a: { name: string }) => a.name === "type").canonicalValues).toEqual(["work", "home", "other"]);
  });
});

describe("RFC 7643 §2.3.1 comparisons follow caseExact", () => {
  test('E-10 Entra PATCH: Replace emails[type eq "work"].value updates Okta\'s "Work" email instead of adding a second', async () => {
    const user = await createUser(scim, "case.work", { emails: [{ value: "old@example.com", type: "Work", primary: true }] });
    const patched = await patchUser(user.id, { op: "Replace", path: 'emails[type eq "work"].value', value: "new@example.com" });
    expect(patched.emails).toEqual([{ value: "new@example.com", type: "Work", primary: true }]);
  });

  test('RFC 7644 §3.5.2.2 remove emails[type eq "WORK"] removes the "work" email', async () => {
    const user = await createUser(scim, "case.remove", { emails: [{ value: "w@example.com", type: "work" }, { value: "h@example.com", type: "home" }] });
    const patched = await patchUser(user.id, { op: "remove", path: 'emails[type eq "WORK"]' });
    expect(patched.emails).toEqual([{ value: "h@example.com", type: "home" }]);
  });

  test('RFC 7644 §3.5.2.2 remove members[value eq "<ID IN UPPER CASE>"] removes the member (value is not caseExact)', async () => {
    const member = await createUser(scim, "case.member");
    const other = await createUser(scim, "case.other");
    const group = await createGroup(scim, "case group", [member.id, other.id]);
    // If-Match takes the general path rather than the member-delta recogniser.
    const res = await scim("patch", `/Groups/${group.id}`, patchOf({ op: "remove", path: `members[value eq "${member.id.toUpperCase()}"]` }), { "If-Match": "*" });
    expect(res.status).toBe(200);
    expect(res.body.members.map((m: { value: string }) => m.value)).toEqual([other.id]);
  });

  test("RFC 7644 §3.5.2.1 add of an email already present in other letter case changes nothing (value and type are not caseExact)", async () => {
    const user = await createUser(scim, "dedupe.case");
    const res = await scim("patch", `/Users/${user.id}`, patchOf({ op: "add", path: "emails", value: [{ value: "DEDUPE.CASE@example.com", type: "WORK", primary: true }] }));
    expect(res.status).toBe(200);
    expect(res.body.emails).toEqual(user.emails);
    expect(res.body.meta.version).toBe(user.meta.version);
  });

  test("RFC 7644 §3.5.2 setting primary on one email makes the others non-primary", async () => {
    const user = await createUser(scim, "primary.move");
    const patched = await patchUser(user.id, { op: "add", path: "emails", value: [{ value: "second@example.com", type: "home", primary: true }] });
    expect(patched.emails).toEqual([
      { value: "primary.move@example.com", type: "work", primary: false },
      { value: "second@example.com", type: "home", primary: true },
    ]);
  });

  test("RFC 7643 §2.5 an empty email object in a POST is 400 invalidValue, not an email with no value", async () => {
    expectScimError(await scim("post", "/Users", userBody("empty.email", { emails: [{}] })), 400, "invalidValue");
    expectScimError(await scim("post", "/Users", userBody("nested.email", { emails: [[{ value: "x@example.com" }]] })), 400, "invalidValue");
  });

  test("RFC 7643 §2.4 two primary emails in one POST are 400 invalidValue", async () => {
    const emails = [{ value: "a@example.com", primary: true }, { value: "b@example.com", primary: true }];
    expectScimError(await scim("post", "/Users", userBody("two.primaries", { emails })), 400, "invalidValue");
  });
});

describe("RFC 7644 §3.5.2.3 replace of a complex attribute merges its sub-attributes", () => {
  test('replace path "name" with {givenName} keeps familyName', async () => {
    const user = await createUser(scim, "merge.path", { name: { givenName: "Ann", familyName: "Lee", formatted: "Ann Lee" } });
    const patched = await patchUser(user.id, { op: "replace", path: "name", value: { givenName: "Anna" } });
    expect(patched.name).toEqual({ givenName: "Anna", familyName: "Lee", formatted: "Ann Lee" });
    expect((await scim("get", `/Users/${user.id}`)).body.name).toEqual(patched.name);
  });

  test('Okta/Entra pathless replace {"name": {"givenName"}} keeps familyName', async () => {
    const user = await createUser(scim, "merge.pathless", { name: { givenName: "Ann", familyName: "Lee" } });
    const patched = await patchUser(user.id, { op: "replace", value: { name: { givenName: "Anna" }, displayName: "Anna Lee" } });
    expect(patched).toMatchObject({ name: { givenName: "Anna", familyName: "Lee" }, displayName: "Anna Lee" });
  });

  test("replace of the enterprise extension URN, with path and without, keeps the attributes not given", async () => {
    const user = await createUser(scim, "merge.extension", { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: { employeeNumber: "1", department: "R&D", manager: { value: "m1" } } });
    const withPath = await patchUser(user.id, { op: "replace", path: ENTERPRISE, value: { employeeNumber: "2" } });
    expect(withPath[ENTERPRISE]).toEqual({ employeeNumber: "2", department: "R&D", manager: { value: "m1" } });
    const pathless = await patchUser(user.id, { op: "replace", value: { [ENTERPRISE]: { department: "Ops" } } });
    expect(pathless[ENTERPRISE]).toEqual({ employeeNumber: "2", department: "Ops", manager: { value: "m1" } });
  });

  test("replace of enterprise manager with {displayName} keeps the manager's value", async () => {
    const user = await createUser(scim, "merge.manager", { [ENTERPRISE]: { manager: { value: "m1" } } });
    const patched = await patchUser(user.id, { op: "replace", path: `${ENTERPRISE}:manager`, value: { displayName: "Boss" } });
    expect(patched[ENTERPRISE].manager).toEqual({ value: "m1", displayName: "Boss" });
  });

  test('a "schemas" key inside an extension value is ignored on POST, PUT and PATCH', async () => {
    const extension = { schemas: [ENTERPRISE], employeeNumber: "7" };
    const created = await scim("post", "/Users", userBody("ext.schemas", { schemas: [USER_SCHEMA, ENTERPRISE], [ENTERPRISE]: extension }));
    expect(created.status).toBe(201);
    expect(created.body[ENTERPRISE]).toEqual({ employeeNumber: "7" });
    const replaced = await scim("put", `/Users/${created.body.id}`, userBody("ext.schemas", { [ENTERPRISE]: { ...extension, employeeNumber: "8" } }));
    expect(replaced.status).toBe(200);
    expect(replaced.body[ENTERPRISE]).toEqual({ employeeNumber: "8" });
    for (const operation of [
      { op: "replace", path: ENTERPRISE, value: { ...extension, employeeNumber: "9" } },
      { op: "replace", value: { [ENTERPRISE]: { ...extension, employeeNumber: "10" } } },
    ]) {
      const patched = await patchUser(created.body.id, operation);
      expect(patched[ENTERPRISE]).toEqual({ employeeNumber: operation.path ? "9" : "10" });
    }
  });
});

describe("RFC 7644 §3.5.2 malformed PATCH requests are refused and change nothing", () => {
  let user: Record<string, any>;
  let group: Record<string, any>;

  beforeAll(async () => {
    user = await createUser(scim, "sentinel", { name: { givenName: "Sen", familyName: "Tinel" }, [ENTERPRISE]: { employeeNumber: "1" } });
    group = await createGroup(scim, "sentinel group", [user.id]);
  });

  const malformedPaths = ["emails[type eq", 'emails[type eq "work"', "emails[]", 'emails[type eq "work"]]', "name..givenName", ".name", "name.", "emails]", "]]", 'displayName[value eq "x"]', 'emails[type eq "work"].nope', 'emails[nope eq "x"]', "members.value.x"];
  test.each(malformedPaths)("remove with the malformed path %s is 400 invalidPath", async (path) => {
    const before = await snapshotStore(bridge);
    for (const [resource, id] of [["Users", user.id], ["Groups", group.id]]) {
      expectScimError(await scim("patch", `/${resource}/${id}`, patchOf({ op: "remove", path })), 400, "invalidPath");
    }
    expect(await snapshotStore(bridge)).toEqual(before);
  });

  test.each(["nickname2", "name.middle", "urn:example:unknown:1.0:User:x"])("an unknown attribute path %s is 400 invalidPath for every op", async (path) => {
    for (const op of ["add", "replace", "remove"]) {
      expectScimError(await scim("patch", `/Users/${user.id}`, patchOf({ op, path, ...(op === "remove" ? {} : { value: "x" }) })), 400, "invalidPath");
    }
  });

  const malformedBodies: Array<[string, string, unknown]> = [
    ["no Operations", "invalidSyntax", { schemas: [PATCH_OP] }],
    ["an empty Operations list", "invalidSyntax", patchOf()],
    ["Operations that is an object", "invalidSyntax", { schemas: [PATCH_OP], Operations: { op: "add" } }],
    ["an operation that is a string", "invalidSyntax", patchOf("add")],
    ["an unknown op", "invalidSyntax", patchOf({ op: "frobnicate", path: "displayName", value: "x" })],
    ["an op that is a number", "invalidSyntax", patchOf({ op: 5, path: "displayName", value: "x" })],
    ["a foreign message schema", "invalidSyntax", { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [{ op: "add", path: "title", value: "x" }] }],
    ["a path that is a number", "invalidPath", patchOf({ op: "replace", path: 5, value: "x" })],
    ["a path that is an object", "invalidPath", patchOf({ op: "replace", path: { a: 1 }, value: "x" })],
    ["a remove without path (§3.5.2.2)", "noTarget", patchOf({ op: "remove" })],
    ["an add without value", "invalidValue", patchOf({ op: "add", path: "title" })],
  ];
  test.each(malformedBodies)("a PATCH body with %s is 400 %s", async (_name, scimType, body) => {
    const before = await snapshotStore(bridge);
    expectScimError(await scim("patch", `/Users/${user.id}`, body), 400, scimType);
    expect(await snapshotStore(bridge)).toEqual(before);
  });

  const oddOperations: Array<[string, unknown, string]> = [
    ["nested arrays as email values", { op: "add", path: "emails", value: [[{ value: "x@example.com" }]] }, "invalidValue"],
    ["a boolean as an email", { op: "add", path: "emails", value: true }, "invalidValue"],
    ["a string as name", { op: "replace", path: "name", value: "Anna" }, "invalidValue"],
    ["an array as name", { op: "replace", path: "name", value: [] }, "invalidValue"],
    ["a recursive pathless value", { op: "replace", value: { displayName: { displayName: { displayName: {} } } } }, "invalidValue"],
    ["a nested object as a sub-attribute", { op: "replace", value: { "name.givenName": { x: { y: 1 } } } }, "invalidValue"],
    ["a huge integer", { op: "replace", path: "title", value: 123456789012345678901234567890 }, "invalidValue"],
    ["a number as active", { op: "replace", path: "active", value: 1 }, "invalidValue"],
    ["an array of arrays as a pathless value", { op: "replace", value: [[1]] }, "invalidValue"],
    ["a string as a pathless value", { op: "add", value: "x" }, "invalidValue"],
    ["null as a pathless value", { op: "add", value: null }, "invalidValue"],
    ["a list as the enterprise extension", { op: "replace", value: { [ENTERPRISE]: [1] } }, "invalidValue"],
    ["a nested object as manager.value", { op: "replace", value: { [ENTERPRISE]: { manager: { value: { x: 1 } } } } }, "invalidValue"],
    ["an email value with none of its sub-attributes", { op: "add", path: "emails", value: [{ nope: 1 }] }, "invalidValue"],
    ["two primaries in one value", { op: "add", path: "emails", value: [{ value: "a@x.org", primary: true }, { value: "b@x.org", primary: true }] }, "invalidValue"],
    ["a value filter with a non-boolean for primary", { op: "replace", path: "emails[primary eq 1e999]", value: { value: "z" } }, "invalidPath"],
    ["a value filter with a bad operator", { op: "replace", path: 'emails[type zz "work"]', value: { value: "z" } }, "invalidPath"],
    ["a non-equality filter that selects nothing", { op: "replace", path: 'emails[value co "nobody"].type', value: "home" }, "noTarget"],
    ["a whole-list sub-attribute replace", { op: "replace", path: "emails.value", value: "x@example.com" }, "invalidPath"],
    ["a change of id", { op: "replace", path: "id", value: "other" }, "mutability"],
    ["a change of meta", { op: "replace", path: "meta.created", value: "2020-01-01T00:00:00Z" }, "mutability"],
    ["__proto__ as path", { op: "replace", path: "__proto__", value: { polluted: true } }, "invalidPath"],
    ["constructor as a pathless key", { op: "replace", value: { constructor: { polluted: true } } }, "invalidPath"],
    ["removing userName (required)", { op: "remove", path: "userName" }, "invalidValue"],
  ];
  test.each(oddOperations)("an operation with %s is 400 and changes nothing", async (_name, operation, scimType) => {
    const before = await snapshotStore(bridge);
    expectScimError(await scim("patch", `/Users/${user.id}`, patchOf(operation)), 400, scimType);
    expect(await snapshotStore(bridge)).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("a number beyond double precision (1e400 parses as Infinity) is 400 invalidValue", async () => {
    const before = await snapshotStore(bridge);
    const body = `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","path":"displayName","value":1e400}]}`;
    const res = await request(bridge.url).patch(`/scim/v2/Users/${user.id}`).set("Authorization", `Bearer ${bridge.token}`).set("Content-Type", "application/scim+json").send(body);
    expectScimError(res, 400, "invalidValue");
    expect(await snapshotStore(bridge)).toEqual(before);
  });

  test("Entra legacy member removal with an unreadable value list is 400 and keeps every member", async () => {
    for (const value of [[[1]], { value: 5 }, [{ display: "no value" }]]) {
      const before = await snapshotStore(bridge);
      expectScimError(await scim("patch", `/Groups/${group.id}`, patchOf({ op: "Remove", path: "members", value })), 400, "invalidValue");
      expect(await snapshotStore(bridge)).toEqual(before);
    }
  });

  test("odd but valid PATCH bodies are applied: an empty pathless value, unknown sub-attributes, bookkeeping keys", async () => {
    const before = await snapshotStore(bridge);
    for (const operation of [
      { op: "add", value: {} },
      { op: "replace", value: { name: { nickname: { deep: { deeper: {} } } } } },
      { op: "replace", value: { schemas: [USER_SCHEMA], meta: { version: 'W/"9"' } } },
      { op: "replace", path: "name", value: {} },
    ]) {
      const res = await scim("patch", `/Users/${user.id}`, patchOf(operation));
      expect(res.status).toBe(200);
      expect(res.body.name).toEqual({ givenName: "Sen", familyName: "Tinel" });
    }
    expect(await snapshotStore(bridge)).toEqual(before);
  });
});

describe("scimmy boundary: coercion verdicts become 400 invalidValue (fails if scimmy's vocabulary changes)", () => {
  const verdicts: Array<[string, Record<string, unknown>]> = [
    ["a wrong value type", { active: "maybe" }],
    ["a list for a single-valued attribute", { displayName: ["a", "b"] }],
    ["a list for a single-valued sub-attribute", { emails: [{ value: ["a@example.com"] }] }],
    ["a wrong sub-attribute type", { emails: [{ value: "a@example.com", primary: "sometimes" }] }],
    ["an object for a string attribute", { title: { nested: true } }],
    ["a number for an extension string", { [ENTERPRISE]: { manager: { value: 5 } } }],
  ];
  test.each(verdicts)("POST /Users with %s", async (_name, extra) => {
    const res = await scim("post", "/Users", userBody(`verdict.${_name.replace(/\W+/g, "-")}`, extra));
    expectScimError(res, 400, "invalidValue");
    expect(res.body.detail).toMatch(/^(Attribute|Required attribute|Complex attribute) '/);
  });

  test("POST /Users without userName: scimmy's required-attribute verdict", async () => {
    const res = await scim("post", "/Users", { schemas: [USER_SCHEMA], displayName: "No Name" });
    expectScimError(res, 400, "invalidValue");
    expect(res.body.detail).toMatch(/Required attribute 'userName' is missing/);
  });
});
