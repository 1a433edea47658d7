/** Okta PATCH dialect (../shared/scim-idp.md §1.2), one test per quirk. */
import { normalizePatchOperations } from "../../src/scim/dialect/normalize";
import { applyWithBridge } from "./bridge-apply";

const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
const user = { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], id: "u1", userName: "test.user@okta.local", active: true };
const group = { schemas: [GROUP_SCHEMA], id: "abf4", displayName: "Test SCIMv2", members: [{ value: "89bb" }] };

describe("Okta PATCH dialect", () => {
  test("O-07 Okta deactivate: replace without path, value {active:false}", async () => {
    const ops = normalizePatchOperations("User", [{ op: "replace", value: { active: false } }], user);
    expect(ops).toEqual([{ op: "replace", path: "active", value: false }]);
    expect((await applyWithBridge("User", user, ops)).active).toBe(false);
  });

  test('O-08 Okta reactivate with a string boolean inside the pathless value ("true")', async () => {
    const ops = normalizePatchOperations("User", [{ op: "replace", value: { active: "true" } }], { ...user, active: false });
    expect(ops).toEqual([{ op: "replace", path: "active", value: true }]);
  });

  test("O-13 Okta group rename: pathless replace carrying the group's own id drops the id", async () => {
    const ops = normalizePatchOperations("Group", [{ op: "replace", value: { id: "abf4", displayName: "Renamed" } }], group);
    expect(ops).toEqual([{ op: "replace", path: "displayName", value: "Renamed" }]);
    expect((await applyWithBridge("Group", group, ops)).displayName).toBe("Renamed");
  });

  test("O-13 Okta group rename: a different id inside the value is kept for validation to refuse", () => {
    const ops = normalizePatchOperations("Group", [{ op: "replace", value: { id: "other", displayName: "Renamed" } }], group);
    expect(ops).toContainEqual({ op: "replace", path: "id", value: "other" });
  });

  test("O-14 Okta membership delta: remove members[value eq] without value and add with display in one message", async () => {
    const ops = normalizePatchOperations("Group", [
      { op: "remove", path: 'members[value eq "89bb"]' },
      { op: "add", path: "members", value: [{ value: "23a3", display: "test.user@okta.local" }] },
    ], group);
    expect(ops).toEqual([
      { op: "remove", path: 'members[value eq "89bb"]' },
      { op: "add", path: "members", value: [{ value: "23a3", display: "test.user@okta.local" }] },
    ]);
    expect((await applyWithBridge("Group", group, ops)).members).toEqual([{ value: "23a3", display: "test.user@okta.local" }]);
  });

  test("O-15 Okta full membership push: replace members with members lacking type", async () => {
    const ops = normalizePatchOperations("Group", [{ op: "replace", path: "members", value: [{ value: "a" }, { value: "b" }] }], group);
    expect(ops).toEqual([{ op: "replace", path: "members", value: [{ value: "a" }, { value: "b" }] }]);
    expect((await applyWithBridge("Group", group, ops)).members).toEqual([{ value: "a" }, { value: "b" }]);
  });
});

describe("Microsoft reference suite PATCH quirks", () => {
  test("Microsoft suite group PATCH: add members with a bare string value becomes [{value}]", async () => {
    const ops = normalizePatchOperations("Group", [{ op: "add", path: "members", value: "string id 1" }], { ...group, members: [] });
    expect(ops).toEqual([{ op: "add", path: "members", value: [{ value: "string id 1" }] }]);
    expect((await applyWithBridge("Group", { ...group, members: [] }, ops)).members).toEqual([{ value: "string id 1" }]);
  });

  test("Microsoft suite group PATCH: a single member object (not an array) becomes a one-entry list", () => {
    expect(normalizePatchOperations("Group", [{ op: "add", path: "members", value: { value: "u9" } }], group)).toEqual([{ op: "add", path: "members", value: [{ value: "u9" }] }]);
  });

  test("Generic PATCH: capitalised attribute names in the path are spelled canonically", async () => {
    const ops = normalizePatchOperations("User", [{ op: "replace", path: "Name.GivenName", value: "X" }, { op: "replace", path: "Active", value: "FALSE" }], user);
    expect(ops).toEqual([{ op: "replace", path: "name.givenName", value: "X" }, { op: "replace", path: "active", value: false }]);
    expect(await applyWithBridge("User", user, ops)).toMatchObject({ name: { givenName: "X" }, active: false });
  });

  test('Generic PATCH: primary "True" inside an emails value entry is a boolean', () => {
    const ops = normalizePatchOperations("User", [{ op: "add", path: "emails", value: [{ value: "a@b.c", type: "work", Primary: "True" }] }], user);
    expect(ops).toEqual([{ op: "add", path: "emails", value: [{ value: "a@b.c", type: "work", primary: true }] }]);
  });

  test("Generic PATCH: a Remove with an empty value list removes nothing (rather than every member)", () => {
    expect(normalizePatchOperations("Group", [{ op: "Remove", path: "members", value: [] }], group)).toEqual([]);
  });

  test("Generic PATCH: remove members without value still removes all members (RFC 7644 §3.5.2.2)", () => {
    expect(normalizePatchOperations("Group", [{ op: "remove", path: "members" }], group)).toEqual([{ op: "remove", path: "members" }]);
  });

  test("Generic PATCH: an op that is not a string is left for validation to reject", () => {
    const bad = [{ op: 7, path: "active", value: true }] as unknown as Parameters<typeof normalizePatchOperations>[1];
    expect(normalizePatchOperations("User", bad, user)).toEqual(bad);
  });
});
