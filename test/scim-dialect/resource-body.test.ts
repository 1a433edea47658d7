/** POST/PUT bodies as IdPs send them (../shared/scim-idp.md §1.1, §1.2, §B.1), one test per quirk. */
import { normalizeResourceBody } from "../../src/scim/dialect/normalize";
import { validateWithBridge } from "./bridge-apply";

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";

describe("resource bodies", () => {
  test('Microsoft suite POST /Users: active "True" is created active', () => {
    const body = normalizeResourceBody("User", { schemas: [USER], userName: "emp1", active: "True" });
    expect(body.active).toBe(true);
    expect(validateWithBridge("User", body).active).toBe(true);
  });

  test('Entra legacy PUT /Users: active "False" and emails primary "true" are booleans', () => {
    const body = normalizeResourceBody("User", { schemas: [USER], userName: "a", active: "False", emails: [{ value: "a@b.c", primary: "true" }] });
    expect(body).toMatchObject({ active: false, emails: [{ value: "a@b.c", primary: true }] });
  });

  test("E-06 Entra POST /Users with nulls: null attributes are dropped, multi-valued ones included", () => {
    const body = normalizeResourceBody("User", {
      schemas: [USER, ENTERPRISE], userName: "a", active: true,
      addresses: null, phoneNumbers: null, title: null, name: { givenName: "A", honorificPrefix: null },
      [ENTERPRISE]: { department: null, manager: null },
    });
    expect(body).toEqual({ schemas: [USER, ENTERPRISE], userName: "a", active: true, name: { givenName: "A" } });
    expect(() => validateWithBridge("User", body)).not.toThrow();
  });

  test("Microsoft suite PUT /Users: null sub-attributes inside addresses entries are dropped and the rest kept", () => {
    const body = normalizeResourceBody("User", { schemas: [USER], userName: "a", addresses: [{ country: "bahams", locality: null, type: "other" }] });
    expect(body.addresses).toEqual([{ country: "bahams", type: "other" }]);
  });

  test("E-23 Entra POST /Groups: the unknown ADSCIM schema URN is dropped from schemas", () => {
    const body = normalizeResourceBody("Group", {
      schemas: [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
      externalId: "8aa1", displayName: "displayName", meta: { resourceType: "Group" },
    });
    expect(body).toEqual({ schemas: [GROUP], externalId: "8aa1", displayName: "displayName" });
  });

  test("E-06 Entra POST /Users: the enterprise URN typo (…2.0User) is not taken for a schema", () => {
    const body = normalizeResourceBody("User", { schemas: [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"], userName: "a" });
    expect(body.schemas).toEqual([USER]);
  });

  test("O-06 Okta full PUT /Users: echoed meta and groups are dropped, id and password kept for the core to judge", () => {
    const body = normalizeResourceBody("User", {
      schemas: [USER], id: "u1", userName: "a", name: { givenName: "A", middleName: "M", familyName: "B" },
      emails: [{ primary: true, value: "a@b.c", type: "work" }], active: true, groups: [], password: "1mz050nq",
      meta: { resourceType: "User", created: "2020-01-01T00:00:00Z" },
    });
    expect(body).toEqual({
      schemas: [USER], id: "u1", userName: "a", name: { givenName: "A", middleName: "M", familyName: "B" },
      emails: [{ primary: true, value: "a@b.c", type: "work" }], active: true, password: "1mz050nq",
    });
  });

  test("Generic PUT /Users echoing a GET: the read-only GitLab extension, whole or flattened, and its URN are dropped (RFC 7643 §2.2)", () => {
    const GITLAB = "urn:ietf:params:scim:schemas:extension:gitlab:2.0:User";
    const body = normalizeResourceBody("User", {
      schemas: [USER, ENTERPRISE, GITLAB.toUpperCase()], userName: "a", [ENTERPRISE]: { department: "D" },
      [GITLAB]: { gitlabUserId: 7, syncState: "synced" }, [`${GITLAB}:lastError`]: "x",
    });
    expect(body).toEqual({ schemas: [USER, ENTERPRISE], userName: "a", [ENTERPRISE]: { department: "D" } });
  });

  test("O-16 Okta full PUT /Groups: members without type, with display, are kept as sent", () => {
    const body = normalizeResourceBody("Group", { schemas: [GROUP], id: "g1", displayName: "Test SCIMv2", members: [{ value: "23a3", display: "x" }] });
    expect(body.members).toEqual([{ value: "23a3", display: "x" }]);
  });

  test("Generic PUT /Groups: a member given as a bare id string becomes {value}", () => {
    const body = normalizeResourceBody("Group", { schemas: [GROUP], displayName: "G", members: ["u1", { value: "u2" }] });
    expect(body.members).toEqual([{ value: "u1" }, { value: "u2" }]);
    expect(validateWithBridge("Group", body).members).toEqual([{ value: "u1" }, { value: "u2" }]);
  });

  test("E-20 Entra POST /Users: enterprise manager given as a bare id string becomes {value}", () => {
    const body = normalizeResourceBody("User", { schemas: [USER, ENTERPRISE], userName: "a", [ENTERPRISE]: { manager: "m1" } });
    expect(body[ENTERPRISE]).toEqual({ manager: { value: "m1" } });
    expect(validateWithBridge("User", body)[ENTERPRISE]).toEqual({ manager: { value: "m1" } });
  });

  test("Microsoft suite POST /Users: capitalised attribute names (Primary, Department, Manager.Value) are spelled canonically", () => {
    const body = normalizeResourceBody("User", {
      schemas: [ENTERPRISE, USER], userName: "u",
      emails: [{ Primary: true, type: "work", value: "a@b.c" }],
      [ENTERPRISE]: { Department: "bob", Manager: { Value: "SuzzyQ" } },
    });
    expect(body).toEqual({ schemas: [USER, ENTERPRISE], userName: "u", emails: [{ primary: true, type: "work", value: "a@b.c" }], [ENTERPRISE]: { department: "bob", manager: { value: "SuzzyQ" } } });
  });

  test("Generic POST /Users: URN-qualified top-level attributes move into their extension, which joins schemas", () => {
    const body = normalizeResourceBody("User", { schemas: [USER], userName: "u", [`${ENTERPRISE}:employeeNumber`]: "7" });
    expect(body).toEqual({ schemas: [USER, ENTERPRISE], userName: "u", [ENTERPRISE]: { employeeNumber: "7" } });
  });

  test("Generic POST /Users: missing schemas gets the core schema, so validation judges the attributes", () => {
    expect(normalizeResourceBody("User", { userName: "u" })).toEqual({ schemas: [USER], userName: "u" });
  });

  test("Generic POST /Users: a non-boolean string in active is left for validation to reject", () => {
    const body = normalizeResourceBody("User", { schemas: [USER], userName: "u", active: "maybe" });
    expect(body.active).toBe("maybe");
    expect(() => validateWithBridge("User", body)).toThrow();
  });
});

describe("resource bodies: what is left alone", () => {
  test("Generic POST /Users: an unknown extension object is neither split at its '2.0' nor listed in schemas", () => {
    const custom = "urn:ietf:params:scim:schemas:extension:custom:2.0:User";
    const body = normalizeResourceBody("User", { schemas: [USER, custom], userName: "u", [custom]: { badge: "7" } });
    expect(body).toEqual({ schemas: [USER], userName: "u", [custom]: { badge: "7" } });
  });

  test("Generic POST /Users: a flattened name.givenName key joins the name object", () => {
    expect(normalizeResourceBody("User", { userName: "u", name: { familyName: "F" }, "name.givenName": "G" })).toEqual({ schemas: [USER], userName: "u", name: { familyName: "F", givenName: "G" } });
  });
});
