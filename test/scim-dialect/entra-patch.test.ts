/** Entra ID PATCH dialect (../shared/scim-idp.md §1.1), legacy and `aadOptscim062020`, one test per quirk. */
import { normalizePatchOperations } from "../../src/scim/dialect/normalize";
import { applyWithBridge } from "./bridge-apply";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const user = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  id: "u1",
  userName: "alice@contoso.com",
  active: true,
  name: { givenName: "Alice", familyName: "Smith" },
};

describe("Entra ID PATCH dialect", () => {
  test('E-13 Entra legacy PATCH: Replace active "False" disables', async () => {
    const ops = normalizePatchOperations("User", [{ op: "Replace", path: "active", value: "False" }], user);
    expect(ops).toEqual([{ op: "replace", path: "active", value: false }]);
    expect((await applyWithBridge("User", user, ops)).active).toBe(false);
  });

  test('E-15 Entra legacy PATCH: Replace active "True" re-enables', async () => {
    const ops = normalizePatchOperations("User", [{ op: "Replace", path: "active", value: "True" }], { ...user, active: false });
    expect(ops).toEqual([{ op: "replace", path: "active", value: true }]);
    expect((await applyWithBridge("User", { ...user, active: false }, ops)).active).toBe(true);
  });

  test("E-16 Entra legacy PATCH: capitalised Add of a single string attribute", () => {
    expect(normalizePatchOperations("User", [{ op: "Add", path: "nickName", value: "Babs" }], user)).toEqual([{ op: "add", path: "nickName", value: "Babs" }]);
  });

  test("E-10 Entra legacy PATCH: Replace through emails[type eq \"work\"].value keeps an existing work email's path", () => {
    const current = { ...user, emails: [{ type: "work", value: "old@contoso.com" }] };
    const ops = normalizePatchOperations("User", [{ op: "Replace", path: 'emails[type eq "work"].value', value: "new@contoso.com" }], current);
    expect(ops).toEqual([{ op: "replace", path: 'emails[type eq "work"].value', value: "new@contoso.com" }]);
  });

  test('E-11 Entra PATCH: Add on emails[type eq "work"].value with no work email creates the entry', async () => {
    const ops = normalizePatchOperations("User", [{ op: "Add", path: 'emails[type eq "work"].value', value: "w@contoso.com" }], user);
    expect(ops).toEqual([{ op: "add", path: 'emails[type eq "work"].value', value: "w@contoso.com" }]);
    expect((await applyWithBridge("User", user, ops)).emails).toEqual([{ type: "work", value: "w@contoso.com" }]);
  });

  test('E-11 Entra PATCH: Replace on phoneNumbers[type eq "mobile"].value next to a work number adds the mobile entry', async () => {
    const current = { ...user, phoneNumbers: [{ type: "work", value: "1" }] };
    const ops = normalizePatchOperations("User", [{ op: "Replace", path: 'phoneNumbers[type eq "mobile"].value', value: "2" }], current);
    expect((await applyWithBridge("User", current, ops)).phoneNumbers).toEqual([{ type: "work", value: "1" }, { type: "mobile", value: "2" }]);
  });

  test('E-11 Entra PATCH: Replace on addresses[type eq "work"].postalCode with no work address creates it', async () => {
    const ops = normalizePatchOperations("User", [{ op: "Replace", path: 'addresses[type eq "work"].postalCode', value: "98052" }], user);
    expect((await applyWithBridge("User", user, ops)).addresses).toEqual([{ type: "work", postalCode: "98052" }]);
  });

  test('E-11 RFC 7643 §2.3.1 caseExact: Replace on emails[type eq "work"].value updates a stored "Work" email instead of adding one', async () => {
    const current = { ...user, emails: [{ type: "Work", value: "old@contoso.com" }] };
    const ops = normalizePatchOperations("User", [{ op: "Replace", path: 'emails[type eq "work"].value', value: "new@contoso.com" }], current);
    expect((await applyWithBridge("User", current, ops)).emails).toEqual([{ type: "Work", value: "new@contoso.com" }]);
  });

  test("E-17 Entra legacy PATCH: six Replace ops incl. the enterprise employeeNumber apply", async () => {
    const current = { ...user, emails: [{ type: "work", value: "a@contoso.com" }] };
    const ops = normalizePatchOperations("User", [
      { op: "Replace", path: "displayName", value: "Alice S" },
      { op: "Replace", path: 'emails[type eq "work"].value', value: "b@contoso.com" },
      { op: "Replace", path: "name.givenName", value: "Al" },
      { op: "Replace", path: "name.familyName", value: "Smyth" },
      { op: "Replace", path: "externalId", value: "alice" },
      { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "42" },
    ], current);
    const patched = await applyWithBridge("User", current, ops);
    expect(patched).toMatchObject({ displayName: "Alice S", externalId: "alice", name: { givenName: "Al", familyName: "Smyth" }, emails: [{ type: "work", value: "b@contoso.com" }], [ENTERPRISE]: { employeeNumber: "42" } });
  });

  test("E-18 Entra aadOptscim062020 PATCH: replace without path with dotted and URN keys becomes one op per attribute", async () => {
    const ops = normalizePatchOperations("User", [{
      op: "replace",
      value: { displayName: "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua", [`${ENTERPRISE}:employeeNumber`]: "Aklq" },
    }], user);
    expect(ops).toEqual([
      { op: "replace", path: "displayName", value: "Bjfe" },
      { op: "replace", path: "name.givenName", value: "Kkom" },
      { op: "replace", path: "name.familyName", value: "Unua" },
      { op: "replace", path: `${ENTERPRISE}:employeeNumber`, value: "Aklq" },
    ]);
    expect(await applyWithBridge("User", user, ops)).toMatchObject({ displayName: "Bjfe", name: { givenName: "Kkom", familyName: "Unua" }, [ENTERPRISE]: { employeeNumber: "Aklq" } });
  });

  test("E-19 Entra tutorial PATCH: Add path \"manager\" with [{$ref, value}] sets the enterprise manager", async () => {
    const ops = normalizePatchOperations("User", [{ op: "Add", path: "manager", value: [{ $ref: null, value: "m1" }] }], user);
    expect(ops).toEqual([{ op: "add", path: `${ENTERPRISE}:manager`, value: { value: "m1" } }]);
    expect((await applyWithBridge("User", user, ops))[ENTERPRISE]).toEqual({ manager: { value: "m1" } });
  });

  test("E-20 Entra live PATCH: manager given as a bare id string is wrapped into {value}", async () => {
    const ops = normalizePatchOperations("User", [{ op: "Replace", path: `${ENTERPRISE}:manager`, value: "m2" }], user);
    expect(ops).toEqual([{ op: "replace", path: `${ENTERPRISE}:manager`, value: { value: "m2" } }]);
    expect((await applyWithBridge("User", user, ops))[ENTERPRISE]).toEqual({ manager: { value: "m2" } });
  });

  test("E-20 Entra live PATCH: Replace manager with an empty value removes the manager", () => {
    const current = { ...user, [ENTERPRISE]: { manager: { value: "m1" } } };
    expect(normalizePatchOperations("User", [{ op: "Replace", path: `${ENTERPRISE}:manager`, value: "" }], current)).toEqual([{ op: "remove", path: `${ENTERPRISE}:manager` }]);
  });

  test("E-21 Entra gallery validator PATCH: replace with null becomes a remove", async () => {
    const current = { ...user, title: "Boss", phoneNumbers: [{ type: "work", value: "1" }] };
    const ops = normalizePatchOperations("User", [{ op: "replace", path: "title", value: null }, { op: "Replace", path: "phoneNumbers", value: null }], current);
    expect(ops).toEqual([{ op: "remove", path: "title" }, { op: "remove", path: "phoneNumbers" }]);
    const patched = await applyWithBridge("User", current, ops);
    expect(patched.title).toBeUndefined();
    expect(patched.phoneNumbers).toBeUndefined();
  });

  test("E-27 Entra PATCH group: Add several members with $ref null in one op", async () => {
    const group = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], id: "g1", displayName: "G" };
    const ops = normalizePatchOperations("Group", [{ op: "Add", path: "members", value: [{ $ref: null, value: "u1" }, { $ref: null, value: "u2" }] }], group);
    expect(ops).toEqual([{ op: "add", path: "members", value: [{ value: "u1" }, { value: "u2" }] }]);
    expect((await applyWithBridge("Group", group, ops)).members).toEqual([{ value: "u1" }, { value: "u2" }]);
  });

  test("E-28 Entra legacy PATCH group: Remove members by value list removes only the listed members", async () => {
    const group = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], id: "g1", displayName: "G", members: [{ value: "u1" }, { value: "u2" }, { value: "u3" }] };
    const ops = normalizePatchOperations("Group", [{ op: "Remove", path: "members", value: [{ $ref: null, value: "u1" }, { value: "u3" }] }], group);
    expect(ops).toEqual([
      { op: "remove", path: 'members[value eq "u1"]' },
      { op: "remove", path: 'members[value eq "u3"]' },
    ]);
    expect((await applyWithBridge("Group", group, ops)).members).toEqual([{ value: "u2" }]);
  });

  test("E-29 Entra aadOptscim062020 PATCH group: remove members[value eq \"…\"] passes through", () => {
    const group = { id: "g1", displayName: "G", members: [{ value: "u1" }] };
    expect(normalizePatchOperations("Group", [{ op: "remove", path: 'members[value eq "u1"]' }], group)).toEqual([{ op: "remove", path: 'members[value eq "u1"]' }]);
  });

  test("E-26 Entra PATCH group: Replace displayName", () => {
    expect(normalizePatchOperations("Group", [{ op: "Replace", path: "displayName", value: "New" }], { id: "g1" })).toEqual([{ op: "replace", path: "displayName", value: "New" }]);
  });
});
