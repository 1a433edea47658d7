/** Filter strings as IdPs and suites write them (../shared/scim-idp.md §1.1, §1.3, §B.1). */
import SCIMMY from "scimmy";
import { normalizeFilterString } from "../../src/scim/dialect/normalize";

describe("filter leniency", () => {
  test("E-02 Entra match before create: a quoted userName eq filter is unchanged", () => {
    expect(normalizeFilterString("User", 'userName eq "Test_User@contoso.com"')).toBe('userName eq "Test_User@contoso.com"');
  });

  test("E-03 Entra older docs: externalId eq with an unquoted value is quoted", () => {
    expect(normalizeFilterString("User", "externalId eq jyoung")).toBe('externalId eq "jyoung"');
  });

  test("E-04 Entra match by email: emails[type eq \"work\"].value eq filter is kept", () => {
    expect(normalizeFilterString("User", 'emails[type eq "work"].value eq "user@contoso.com"')).toBe('emails[type eq "work"].value eq "user@contoso.com"');
  });

  test("Microsoft suite: DisplayName eq is spelled displayName", () => {
    expect(normalizeFilterString("User", 'DisplayName eq "BobIsAmazing"')).toBe('displayName eq "BobIsAmazing"');
  });

  test("Microsoft suite: name.FamilyName eq Employee and (emails.Value co example.com or …) is quoted and canonical", () => {
    const normalized = normalizeFilterString("User", "name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)");
    expect(normalized).toBe('name.familyName eq "Employee" and (emails.value co "example.com" or emails.value co "example.org")');
    expect(() => new SCIMMY.Types.Filter(normalized)).not.toThrow();
  });

  test("Microsoft suite: userName sw O and meta.Created gt <unquoted date-time> are quoted", () => {
    expect(normalizeFilterString("User", "userName sw O")).toBe('userName sw "O"');
    expect(normalizeFilterString("User", "meta.Created gt 2015-10-10T14:38:21.8617979-07:00")).toBe('meta.created gt "2015-10-10T14:38:21.8617979-07:00"');
  });

  test("PingFederate: capitalised operators (username Eq) are lower-cased", () => {
    expect(normalizeFilterString("User", 'username Eq "a" AND active EQ True')).toBe('userName eq "a" and active eq true');
  });

  test("E-24 Entra find group: displayName eq on Groups is unchanged", () => {
    expect(normalizeFilterString("Group", 'displayName eq "Sales"')).toBe('displayName eq "Sales"');
  });

  test("Okta: members[value eq \"…\"] style filters and pr keep their shape", () => {
    expect(normalizeFilterString("Group", 'members[value eq "u1"]')).toBe('members[value eq "u1"]');
    expect(normalizeFilterString("User", "title pr and not (active eq false)")).toBe("title pr and not (active eq false)");
  });

  test("Generic: enterprise URN-qualified attributes are spelled canonically", () => {
    expect(normalizeFilterString("User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:Department eq Sales"))
      .toBe('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales"');
  });

  test("Generic: a filter it cannot read is returned unchanged for the parser to reject", () => {
    expect(normalizeFilterString("User", 'userName eq "unterminated')).toBe('userName eq "unterminated');
    expect(normalizeFilterString("User", "userName zz x")).toBe("userName zz x");
    expect(normalizeFilterString("User", "(userName eq x")).toBe("(userName eq x");
  });
});
