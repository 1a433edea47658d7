/**
 * RFC 7644 §3.4.2.3 sorting, §3.4.2.4 paging, §3.4.2.5 / §3.9 attributes and excludedAttributes,
 * §3.4.3 POST /.search — on Users and Groups.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { projectionIncludes } from "../../src/scim/list/projection";
import { groupCatalog } from "../../src/scim/schema/attribute-catalog";
import { createGroup, createUser, ENTERPRISE, LIST_RESPONSE, scimClient, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let scim: ScimClient;
const userIds: string[] = [];
let groupId: string;

beforeAll(async () => {
  // A small maximum page so capping is visible.
  bridge = await startTestBridge({ env: { SCIM_MAX_PAGE_SIZE: "4", SCIM_DEFAULT_PAGE_SIZE: "3" } });
  scim = scimClient(bridge);
  for (const [userName, title] of [["delta", "b"], ["Alpha", "c"], ["charlie", undefined], ["bravo", "a"], ["echo", "b"]] as const) {
    userIds.push((await createUser(scim, userName, title ? { title, [ENTERPRISE]: { department: `dep-${userName}` } } : {})).id);
  }
  groupId = (await createGroup(scim, "Team", userIds.slice(0, 2))).id;
});
afterAll(() => bridge.close());

const names = (body: { Resources: Array<{ userName: string }> }) => body.Resources.map((r) => r.userName);

test("RFC 7644 §3.4.2.4 startIndex/count page through users in creation order with integer totals (Okta O-04)", async () => {
  const first = await scim("get", "/Users?startIndex=1&count=2");
  expect(first.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 5, startIndex: 1, itemsPerPage: 2 });
  expect(names(first.body)).toEqual(["delta", "Alpha"]);
  const second = await scim("get", "/Users?startIndex=3&count=2");
  expect(names(second.body)).toEqual(["charlie", "bravo"]);
  const last = await scim("get", "/Users?startIndex=5&count=2");
  expect(last.body).toMatchObject({ totalResults: 5, startIndex: 5, itemsPerPage: 1 });
  const beyond = await scim("get", "/Users?startIndex=50");
  expect(beyond.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
});

test("RFC 7644 §3.4.2.4 count defaults to the configured page size and is capped at the maximum", async () => {
  const defaulted = await scim("get", "/Users");
  expect(defaulted.body).toMatchObject({ totalResults: 5, itemsPerPage: 3 });
  const capped = await scim("get", "/Users?count=1000");
  expect(capped.status).toBe(200);
  expect(capped.body).toMatchObject({ totalResults: 5, itemsPerPage: 4 });
});

test("RFC 7644 §3.4.2.4 count=0 returns only totalResults; startIndex below 1 is 1", async () => {
  const zero = await scim("get", "/Users?count=0");
  expect(zero.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, Resources: [] });
  const low = await scim("get", "/Users?startIndex=-3&count=1");
  expect(low.body).toMatchObject({ startIndex: 1, itemsPerPage: 1 });
  expect(names(low.body)).toEqual(["delta"]);
  const bad = await scim("get", "/Users?count=many");
  expect(bad.status).toBe(400);
  expect(bad.body.scimType).toBe("invalidValue");
});

test("RFC 7644 §3.4.2.3 sortBy userName (case-insensitive) ascending and descending", async () => {
  const asc = await scim("get", "/Users?sortBy=userName&count=4");
  expect(names(asc.body)).toEqual(["Alpha", "bravo", "charlie", "delta"]);
  const desc = await scim("get", "/Users?sortBy=UserName&sortOrder=descending&count=4");
  expect(names(desc.body)).toEqual(["echo", "delta", "charlie", "bravo"]);
  expect((await scim("get", "/Users?sortOrder=sideways")).status).toBe(400);
});

test("RFC 7644 §3.4.2.3 sortBy an attribute without a column sorts in memory, missing values last, ties by id", async () => {
  const res = await scim("get", "/Users?sortBy=title&count=4");
  expect(res.body.totalResults).toBe(5);
  const titles = res.body.Resources.map((r: { title?: string }) => r.title ?? null);
  expect(titles).toEqual(["a", "b", "b", "c"]);
  const ties = res.body.Resources.slice(1, 3).map((r: { id: string }) => r.id);
  expect([...ties].sort()).toEqual(ties);
  const page2 = await scim("get", "/Users?sortBy=title&startIndex=5&count=4");
  expect(names(page2.body)).toEqual(["charlie"]);
});

test("RFC 7644 §3.9 attributes returns only the named attributes plus id and schemas", async () => {
  const res = await scim("get", "/Users?attributes=userName,emails.value&count=1");
  const [user] = res.body.Resources;
  expect(Object.keys(user).sort()).toEqual(["emails", "id", "schemas", "userName"]);
  expect(user.emails).toEqual([{ value: "delta@example.com" }]);
  const ext = await scim("get", `/Users/${userIds[0]}?attributes=${ENTERPRISE}:department,Name.GivenName`);
  expect(ext.body).toEqual({ schemas: expect.any(Array), id: userIds[0], name: { givenName: "Given" }, [ENTERPRISE]: { department: "dep-delta" } });
  // Microsoft's reference test asks for attributes=emails[type eq "work"].
  const filtered = await scim("get", `/Users/${userIds[0]}?attributes=${encodeURIComponent('emails[type eq "work"]')}`);
  expect(filtered.body.emails).toEqual([{ value: "delta@example.com", type: "work", primary: true }]);
});

test("RFC 7644 §3.9 excludedAttributes drops attributes but never id or schemas", async () => {
  const res = await scim("get", `/Users/${userIds[0]}?excludedAttributes=emails,name.familyName,id,schemas,meta`);
  expect(res.body).not.toHaveProperty("emails");
  expect(res.body).not.toHaveProperty("meta");
  expect(res.body.name).toEqual({ givenName: "Given" });
  expect(res.body.id).toBe(userIds[0]);
  expect(res.body.schemas).toBeDefined();
  expect(res.body.groups).toHaveLength(1);
});

test("RFC 7644 §3.4.2.5 Groups with excludedAttributes=members come without members, which are then not loaded", async () => {
  expect(projectionIncludes({ excludedAttributes: ["members"] }, groupCatalog, "members")).toBe(false);
  expect(projectionIncludes({ attributes: ["displayName"] }, groupCatalog, "members")).toBe(false);
  expect(projectionIncludes({ attributes: ["members.value"] }, groupCatalog, "members")).toBe(true);
  expect(projectionIncludes({}, groupCatalog, "members")).toBe(true);
  const one = await scim("get", `/Groups/${groupId}?excludedAttributes=members`);
  expect(one.body).toMatchObject({ id: groupId, displayName: "Team" });
  expect(one.body).not.toHaveProperty("members");
  const list = await scim("get", `/Groups?filter=${encodeURIComponent('displayName eq "team"')}&excludedAttributes=members`);
  expect(list.body.totalResults).toBe(1);
  expect(list.body.Resources[0]).not.toHaveProperty("members");
  const full = await scim("get", `/Groups/${groupId}`);
  expect(full.body.members.map((m: { value: string }) => m.value).sort()).toEqual(userIds.slice(0, 2).sort());
});

test("RFC 7644 §3.4.3 POST /Users/.search, /Groups/.search and /.search take a SearchRequest", async () => {
  const search = { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'userName sw "b" or userName sw "c"', attributes: ["userName"], sortBy: "userName", count: 10 };
  const users = await scim("post", "/Users/.search", search);
  expect(users.status).toBe(200);
  expect(users.body.Resources).toEqual([
    { schemas: expect.any(Array), id: expect.any(String), userName: "bravo" },
    { schemas: expect.any(Array), id: expect.any(String), userName: "charlie" },
  ]);
  const groups = await scim("post", "/Groups/.search", { schemas: search.schemas, filter: 'displayName eq "Team"', excludedAttributes: ["members"] });
  expect(groups.body.totalResults).toBe(1);
  const root = await scim("post", "/.search", { schemas: search.schemas, filter: 'displayName eq "Team" or userName eq "echo"', startIndex: 1, count: 10 });
  expect(root.body.totalResults).toBe(2);
  expect(root.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType)).toEqual(["User", "Group"]);
  const paged = await scim("post", "/.search", { schemas: search.schemas, startIndex: 5, count: 2 });
  expect(paged.body).toMatchObject({ totalResults: 6, itemsPerPage: 2 });
  expect(paged.body.Resources.map((r: { meta: { resourceType: string } }) => r.meta.resourceType)).toEqual(["User", "Group"]);
  expect((await scim("post", "/Users/.search", { schemas: ["urn:wrong"] })).status).toBe(400);
});
