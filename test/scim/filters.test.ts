/**
 * RFC 7644 §3.4.2.2 filtering: every operator, logical combinations, grouping, complex attribute
 * filters and value paths, case-insensitive attribute names, caseExact per schema, and the unquoted
 * values Microsoft's reference tests send. Most filters here run in the database; a few
 * (title, enterprise attributes, emails.display) take the in-memory path, and both must agree.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, ENTERPRISE, scimClient, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let scim: ScimClient;
const ids: Record<string, string> = {};
let groupId: string;
let createdBetween: string;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
  const make = async (key: string, userName: string, extra: Record<string, unknown>) => {
    ids[key] = (await createUser(scim, userName, extra)).id;
  };
  await make("ann", "Ann.Lee@Example.com", {
    externalId: "EXT-ann",
    displayName: "Ann Lee",
    title: "Engineer",
    name: { givenName: "Ann", familyName: "Employee" },
    emails: [
      { value: "Ann.Lee@Example.com", type: "work", primary: true },
      { value: "ann@home.example.org", type: "home" },
    ],
    [ENTERPRISE]: { employeeNumber: "100", department: "R&D" },
  });
  createdBetween = new Date().toISOString();
  await make("olaf", "olaf@example.org", {
    externalId: "ext-olaf",
    displayName: "Olaf",
    name: { givenName: "Olaf", familyName: "Employee" },
    emails: [{ value: "olaf@example.org", type: "work" }],
    active: false,
  });
  await make("zed", "zed", { name: { givenName: "Zed", familyName: "Other" }, emails: [{ value: "zed@elsewhere.net", type: "home" }] });
  await make("bare", "bare", { name: undefined, emails: undefined });
  await make("percent", "percent", { displayName: "50% off_sale", name: undefined, emails: undefined, active: false });
  groupId = (await createGroup(scim, "Engineers", [ids.ann, ids.olaf])).id;
});
afterAll(() => bridge.close());

async function usersMatching(filter: string): Promise<string[]> {
  const res = await scim("get", `/Users?filter=${encodeURIComponent(filter)}`);
  if (res.status !== 200) throw new Error(`${filter}: ${res.status} ${res.text}`);
  expect(res.body.totalResults).toBe(res.body.Resources.length);
  const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
  return res.body.Resources.map((r: { id: string }) => byId[r.id]).sort();
}

const cases: Array<[string, string, string[]]> = [
  ["§3.4.2.2 eq on userName is case-insensitive", 'userName eq "ann.lee@example.COM"', ["ann"]],
  ["§3.4.2.2 ne", 'userName ne "zed"', ["ann", "bare", "olaf", "percent"]],
  ["§3.4.2.2 co", 'userName co "EXAMPLE"', ["ann", "olaf"]],
  ["§3.4.2.2 sw", 'userName sw "ol"', ["olaf"]],
  ["§3.4.2.2 ew", 'userName ew ".org"', ["olaf"]],
  ["§3.4.2.2 pr", "externalId pr", ["ann", "olaf"]],
  ["§3.4.2.2 gt on strings", 'userName gt "olaf@example.org"', ["percent", "zed"]],
  ["§3.4.2.2 ge on strings", 'userName ge "olaf@example.org"', ["olaf", "percent", "zed"]],
  ["§3.4.2.2 lt on strings", 'userName lt "bb"', ["ann", "bare"]],
  ["§3.4.2.2 le on strings", 'userName le "bare"', ["ann", "bare"]],
  ["§3.4.2.2 externalId is caseExact", 'externalId eq "ext-ann"', []],
  ["§3.4.2.2 externalId exact match", 'externalId eq "EXT-ann"', ["ann"]],
  ["§3.4.2.2 ne matches users without the attribute", 'externalId ne "EXT-ann"', ["bare", "olaf", "percent", "zed"]],
  ["§3.4.2.2 displayName is case-insensitive", 'DisplayName eq "ann lee"', ["ann"]],
  ["§3.4.2.2 boolean eq", "active eq false", ["olaf", "percent"]],
  ["§3.4.2.2 boolean written as a string", 'active eq "true"', ["ann", "bare", "zed"]],
  ["§3.4.2.2 and", 'name.familyName eq "Employee" and active eq true', ["ann"]],
  ["§3.4.2.2 or", 'userName eq "zed" or userName eq "bare"', ["bare", "zed"]],
  ["§3.4.2.2 not", 'not (name.familyName eq "Employee")', ["bare", "percent", "zed"]],
  ["§3.4.2.2 not over a group is De Morgan, not distribution", 'not (userName eq "zed" or userName eq "bare")', ["ann", "olaf", "percent"]],
  ["§3.4.2.2 precedence: and binds tighter than or", 'userName eq "zed" or userName eq "ann.lee@example.com" and active eq false', ["zed"]],
  ["§3.4.2.2 grouping overrides precedence", '(userName eq "zed" or userName eq "ann.lee@example.com") and active eq true', ["ann", "zed"]],
  ["§3.4.2.2 sub-attribute name.givenName", 'name.givenName sw "o"', ["olaf"]],
  ["§3.4.2.2 emails.value (any email)", 'emails.value eq "ANN@home.example.org"', ["ann"]],
  ["§3.4.2.2 emails without sub-attribute compares value", 'emails co "elsewhere"', ["zed"]],
  ["§3.4.2.2 emails pr", "emails pr", ["ann", "olaf", "zed"]],
  ["§3.4.2.2 complex filter emails[type eq work and value co …]", 'emails[type eq "work" and value co "@example.com"]', ["ann"]],
  ["§3.4.2.2 complex filter requires one element to match both", 'emails[type eq "home" and value co "@example.com"]', []],
  ["§3.4.2.2 value path emails[type eq work].value eq (Entra)", 'emails[type eq "work"].value eq "olaf@example.org"', ["olaf"]],
  ["§3.4.2.2 value path on another type does not match", 'emails[type eq "home"].value eq "olaf@example.org"', []],
  ["§3.4.2.2 attribute names are case-insensitive", 'name.FamilyName eq "employee" and emails.Value co "example.org"', ["ann", "olaf"]],
  ["§3.4.2.2 Microsoft reference: unquoted values", "name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)", ["ann", "olaf"]],
  ["§3.4.2.2 Microsoft reference: userName sw O", "userName sw O", ["olaf"]],
  ["§3.4.2.2 meta.created gt a 7-digit-fraction timestamp", "meta.Created gt 2015-10-10T14:38:21.8617979-07:00", ["ann", "bare", "olaf", "percent", "zed"]],
  ["§3.4.2.2 meta.lastModified lt the past", 'meta.lastModified lt "2015-01-01T00:00:00Z"', []],
  ["§3.4.2.2 LIKE wildcards in values are literal (eq)", 'displayName eq "50_ off%sale"', []],
  ["§3.4.2.2 LIKE wildcards in values are literal (eq, other case)", 'displayName eq "50% OFF_SALE"', ["percent"]],
  ["§3.4.2.2 LIKE wildcards in values are literal (co)", 'displayName co "% off_"', ["percent"]],
  ["§3.4.2.2 LIKE wildcards in values are literal (sw on userName)", 'userName sw "_"', []],
  ["§3.4.2.2 operators in any case", 'userName EQ "zed"', ["zed"]],
  ["§3.4.2.2 in-memory: title", 'title eq "engineer"', ["ann"]],
  ["§3.4.2.2 in-memory: enterprise extension attribute", `${ENTERPRISE}:department eq "R&D"`, ["ann"]],
  ["§3.4.2.2 in-memory part combined with an indexed part", 'userName sw "ann" and title pr', ["ann"]],
  ["§3.4.2.2 in-memory: not over an absent attribute matches", 'not (title eq "Engineer")', ["bare", "olaf", "percent", "zed"]],
  ["§3.4.2.2 in-memory: absent sub-attributes never throw", 'emails[display eq "x"] or addresses[type eq "work"]', []],
  ["§3.4.2.2 unknown attributes are absent", 'nickName2 eq "x"', []],
];

test.each(cases)("RFC 7644 %s: %s", async (_name, filter, expected) => {
  expect(await usersMatching(filter)).toEqual(expected);
});

test("RFC 7644 §3.4.2.2 id eq and groups.value eq", async () => {
  expect(await usersMatching(`id eq "${ids.zed}"`)).toEqual(["zed"]);
  expect(await usersMatching('id eq "not-a-uuid"')).toEqual([]);
  expect(await usersMatching(`groups.value eq "${groupId}"`)).toEqual(["ann", "olaf"]);
  expect(await usersMatching(`meta.created ge "${createdBetween}"`)).toEqual(["bare", "olaf", "percent", "zed"]);
});

test("RFC 7644 §3.4.2.2 Groups: displayName eq, members.value eq, members pr", async () => {
  const empty = await createGroup(scim, "engineers");
  const names = async (filter: string) => {
    const res = await scim("get", `/Groups?filter=${encodeURIComponent(filter)}&excludedAttributes=members`);
    expect(res.status).toBe(200);
    return res.body.Resources.map((g: { id: string }) => g.id).sort();
  };
  expect(await names('displayName eq "ENGINEERS"')).toEqual([groupId, empty.id].sort());
  expect(await names(`members.value eq "${ids.olaf}"`)).toEqual([groupId]);
  expect(await names(`members[value eq "${ids.zed}"]`)).toEqual([]);
  expect(await names("members pr")).toEqual([groupId]);
  expect(await names('displayName eq "Engineers" and not (members pr)')).toEqual([empty.id]);
  expect(await names(`externalId pr or id eq "${empty.id}"`)).toEqual([empty.id]);
});

test.each([
  ["an incomplete expression", 'userName eq'],
  ["an unknown operator", 'userName like "x"'],
  ["an unbalanced parenthesis", '(userName eq "x"'],
  ["a bare word", "bogus"],
  ["gt on a boolean", "active gt true"],
  ["a date that is not one", 'meta.created gt "yesterday"'],
  ["co on a dateTime", 'meta.created co "2015"'],
  ["an unterminated string", 'userName eq "x'],
  ["trailing tokens", 'userName eq "x" "y"'],
])("RFC 7644 §3.4.2.2 a filter with %s is 400 invalidFilter", async (_name, filter) => {
  const res = await scim("get", `/Users?filter=${encodeURIComponent(filter)}`);
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ scimType: "invalidFilter", status: "400" });
});

test("RFC 7644 §3.4.2.2 a filter with no match is 200 with an empty ListResponse (Entra Test Connection)", async () => {
  const res = await scim("get", `/Users?filter=${encodeURIComponent('userName eq "nobody"')}`);
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
});
