/** Value filters inside PATCH paths, as IdPs and suites write them (../shared/scim-idp.md §1.1, §1.3, §B.1). */
import { normalizePatchOperations } from "../../src/scim/dialect/normalize";
import { applyWithBridge } from "./bridge-apply";

const user = {
  schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
  id: "u1",
  userName: "a@contoso.com",
  emails: [{ type: "work", value: "old@contoso.com" }, { type: "home", value: "h@contoso.com" }],
};

const pathOf = (path: string) => normalizePatchOperations("User", [{ op: "replace", path, value: "new@contoso.com" }], user)[0].path;

describe("value filters in PATCH paths", () => {
  test('E-10 Entra: emails[type eq "work"].value is kept as sent', () => {
    expect(pathOf('emails[type eq "work"].value')).toBe('emails[type eq "work"].value');
  });

  test("Microsoft suite style: unquoted value and capitalised names (Emails[Type eq work].Value) are canonical and quoted", async () => {
    const ops = normalizePatchOperations("User", [{ op: "replace", path: "Emails[Type eq work].Value", value: "new@contoso.com" }], user);
    expect(ops).toEqual([{ op: "replace", path: 'emails[type eq "work"].value', value: "new@contoso.com" }]);
    expect((await applyWithBridge("User", user, ops)).emails).toEqual([{ type: "work", value: "new@contoso.com" }, { type: "home", value: "h@contoso.com" }]);
  });

  test("PingFederate style: capitalised operators (Eq, AND) are lower-cased and literals kept", () => {
    const ops = normalizePatchOperations("User", [{ op: "remove", path: 'emails[type Eq "work" AND primary EQ True]' }], user);
    expect(ops).toEqual([{ op: "remove", path: 'emails[type eq "work" and primary eq true]' }]);
  });

  test("Okta: members[value eq \"…\"] keeps its shape; pr and not (…) are understood", () => {
    const group = { id: "g1", members: [{ value: "u1" }] };
    expect(normalizePatchOperations("Group", [{ op: "remove", path: 'Members[Value eq "u1"]' }], group)).toEqual([{ op: "remove", path: 'members[value eq "u1"]' }]);
    expect(pathOf("emails[display pr and not (type eq home)]")).toBe('emails[display pr and not (type eq "home")]');
  });

  test("Generic: a value filter it cannot read is left unchanged for scimmy to reject", () => {
    expect(pathOf('emails[type eq "unterminated].value')).toBe('emails[type eq "unterminated].value');
    expect(pathOf("emails[type zz work].value")).toBe("emails[type zz work].value");
    expect(pathOf("emails[(type eq work].value")).toBe("emails[(type eq work].value");
  });
});
