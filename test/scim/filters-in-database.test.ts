/**
 * Filters and sorts that used to be answered wrongly or not at all, now one SQL statement each:
 * "always true" inside or/not (RFC 7644 §3.4.2.2), the documented filter size and nesting limits,
 * and sortBy on multi-valued and case-insensitive attributes (RFC 7644 §3.4.2.3) with stable paging.
 */
import { MAX_FILTER_DEPTH, MAX_FILTER_TERMS } from "../../src/scim/filter/filter-syntax";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, scimClient, type ScimClient } from "./scim-client";

const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

let bridge: TestBridge;
let scim: ScimClient;
const ids: Record<string, string> = {};
const groupIds: string[] = [];

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
  const make = async (key: string, extra: Record<string, unknown>) => {
    ids[key] = (await createUser(scim, key, { name: undefined, emails: undefined, ...extra })).id;
  };
  await make("alice", {
    title: "Engineer",
    name: { familyName: "smith" },
    emails: [
      { value: "zeta@example.com", type: "work" },
      { value: "alpha@example.com", type: "home", primary: true },
    ],
    phoneNumbers: [
      { value: "555-2", type: "work" },
      { value: "555-1", type: "mobile", primary: true },
    ],
  });
  await make("bob", { title: "Engineer", name: { familyName: "Adams" }, emails: [{ value: "Beta@example.com" }, { value: "aaa@example.com" }], phoneNumbers: [{ value: "555-0" }] });
  await make("carol", { title: "Engineer", name: { familyName: "jones" } });
  await make("dave", { title: "Engineer", emails: [{ value: "gamma@example.com", primary: true }] });
  groupIds.push((await createGroup(scim, "Admins", [ids.alice])).id, (await createGroup(scim, "Staff")).id);
});
afterAll(() => bridge.close());

async function search(resource: "Users" | "Groups", body: Record<string, unknown>) {
  return scim("post", `/${resource}/.search`, { schemas: [SEARCH], count: 1000, ...body });
}

async function userKeys(filter: string): Promise<string[]> {
  const res = await search("Users", { filter });
  if (res.status !== 200) throw new Error(`${filter}: ${res.status} ${res.text}`);
  expect(res.body.totalResults).toBe(res.body.Resources.length);
  const byId = Object.fromEntries(Object.entries(ids).map(([k, v]) => [v, k]));
  return res.body.Resources.map((r: { id: string }) => byId[r.id]).sort();
}

const everyone = ["alice", "bob", "carol", "dave"];

describe("RFC 7644 §3.4.2.2 an always-true or always-false part keeps its meaning inside or/not", () => {
  test("not (userName pr) matches no user", async () => {
    expect(await userKeys("not (userName pr)")).toEqual([]);
  });
  test('userName eq "alice" or userName pr matches every user', async () => {
    expect(await userKeys('userName eq "alice" or userName pr')).toEqual(everyone);
  });
  test('Groups: displayName eq "zzz" or id pr matches every group', async () => {
    const res = await search("Groups", { filter: 'displayName eq "zzz" or id pr', excludedAttributes: ["members"] });
    expect(res.status).toBe(200);
    expect(res.body.Resources.map((g: { id: string }) => g.id).sort()).toEqual([...groupIds].sort());
  });
  test("an unknown attribute is absent: ne and not match, eq does not", async () => {
    expect(await userKeys('nickName2 ne "x" and not (nickName2 eq "x")')).toEqual(everyone);
  });
});

describe(`filter size: up to ${MAX_FILTER_TERMS} terms and ${MAX_FILTER_DEPTH} levels of nesting (README "Filters")`, () => {
  test(`a ${MAX_FILTER_TERMS}-term or chain answers correctly`, async () => {
    const terms = Array.from({ length: MAX_FILTER_TERMS - 2 }, (_, i) => `userName eq "nobody${i}"`);
    const filter = [...terms, 'userName eq "bob"', 'emails.value eq "gamma@example.com"'].join(" or ");
    expect(await userKeys(filter)).toEqual(["bob", "dave"]);
  });
  test(`a ${MAX_FILTER_TERMS}-term and chain answers correctly`, async () => {
    const filter = Array.from({ length: MAX_FILTER_TERMS }, (_, i) => (i % 2 ? "title pr" : `userName ne "nobody${i}"`)).join(" and ");
    expect(await userKeys(filter)).toEqual(everyone);
  });
  test(`${MAX_FILTER_DEPTH} nested not answer correctly`, async () => {
    const even = `${"not (".repeat(MAX_FILTER_DEPTH)}userName eq "bob"${")".repeat(MAX_FILTER_DEPTH)}`;
    expect(await userKeys(even)).toEqual(MAX_FILTER_DEPTH % 2 ? ["alice", "carol", "dave"] : ["bob"]);
    const parentheses = `${"(".repeat(MAX_FILTER_DEPTH)}userName eq "bob"${")".repeat(MAX_FILTER_DEPTH)} or userName eq "carol"`;
    expect(await userKeys(parentheses)).toEqual(["bob", "carol"]);
  });
  test("200 nested not, with a value path inside (issue 9: was a 500)", async () => {
    const filter = `${"not (".repeat(200)}emails[type eq "work" and value co "zeta"]${")".repeat(200)}`;
    expect(await userKeys(filter)).toEqual(["alice"]);
  });
  test.each([
    [`${MAX_FILTER_TERMS + 1} terms`, Array.from({ length: MAX_FILTER_TERMS + 1 }, () => "title pr").join(" or "), `${MAX_FILTER_TERMS} terms`],
    [`${MAX_FILTER_DEPTH + 1} nested not`, `${"not ".repeat(MAX_FILTER_DEPTH + 1)}title pr`, `${MAX_FILTER_DEPTH} levels`],
    [`${MAX_FILTER_DEPTH + 1} nested parentheses`, `${"(".repeat(MAX_FILTER_DEPTH + 1)}title pr${")".repeat(MAX_FILTER_DEPTH + 1)}`, `${MAX_FILTER_DEPTH} levels`],
  ])("beyond the limit, %s is 400 invalidFilter naming the limit", async (_name, filter, limit) => {
    const res = await search("Users", { filter });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ scimType: "invalidFilter", status: "400" });
    expect(res.body.detail).toContain(limit);
  });
});

describe("RFC 7644 §3.4.2.3 sortBy in the database", () => {
  const order = async (query: string) => {
    const res = await scim("get", `/Users?${query}`);
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${res.text}`);
    return res.body.Resources.map((r: { userName: string }) => r.userName);
  };
  const firstOf = (a: string, b: string) => (ids[a] < ids[b] ? a : b);
  const secondOf = (a: string, b: string) => (ids[a] < ids[b] ? b : a);

  test("emails.value sorts by the primary email, else the first, case-insensitively; users without emails last", async () => {
    expect(await order("sortBy=emails.value")).toEqual(["alice", "bob", "dave", "carol"]);
    expect(await order("sortBy=emails.value&sortOrder=descending")).toEqual(["dave", "bob", "alice", "carol"]);
  });
  test("name.familyName sorts case-insensitively, missing last in both directions", async () => {
    expect(await order("sortBy=name.familyName")).toEqual(["bob", "carol", "alice", "dave"]);
    expect(await order("sortBy=name.familyName&sortOrder=descending")).toEqual(["alice", "carol", "bob", "dave"]);
  });
  test("a multi-valued attribute (phoneNumbers) sorts by its primary value, ties and missing values by id", async () => {
    expect(await order("sortBy=phoneNumbers")).toEqual(["bob", "alice", firstOf("carol", "dave"), secondOf("carol", "dave")]);
    // alice's primary phone is "mobile"; bob's only phone has no type: missing, like carol's and dave's.
    const missing = ["bob", "carol", "dave"].sort((a, b) => (ids[a] < ids[b] ? -1 : 1));
    expect(await order("sortBy=phoneNumbers.type")).toEqual(["alice", ...missing]);
  });
  test("paging through equal sort keys is stable: every user once, in id order", async () => {
    const pages: string[] = [];
    for (let start = 1; start <= 4; start++) pages.push(...(await order(`sortBy=title&startIndex=${start}&count=1`)));
    const byId = [...everyone].sort((a, b) => (ids[a] < ids[b] ? -1 : 1));
    expect(pages).toEqual(byId);
    const descending: string[] = [];
    for (let start = 1; start <= 4; start++) descending.push(...(await order(`sortBy=title&sortOrder=descending&startIndex=${start}&count=1`)));
    expect(descending).toEqual([...byId].reverse());
  });
  test("sortBy a complex attribute without a value is 400 invalidValue", async () => {
    const res = await scim("get", "/Users?sortBy=name");
    expect(res.status).toBe(400);
    expect(res.body.scimType).toBe("invalidValue");
  });
});
