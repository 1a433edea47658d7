/**
 * Okta lifecycle management, replayed step by step over real HTTP (../shared/scim-idp.md §1.2, request
 * ids O-xx, and the "SCIM 2.0 SPEC Test" checks). Okta creates with application/json, updates users and
 * groups by full PUT (AIW apps) or pathless PATCH (OIN apps), never DELETEs users. Each test provisions
 * what it needs with unique names; exact counts use a connection of their own.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import {
  GROUP_SCHEMA, LIST_SCHEMA, USER_SCHEMA, expectListResponse, expectPatchSucceeded, expectScimError, filterQuery, groupMemberIds, scimClient,
  uniqueName, type ScimClient,
} from "./scim-client";

let bridge: TestBridge;
let okta: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge({ idp: "okta" });
  okta = scimClient(bridge.url, bridge.token, "application/json");
});
afterAll(async () => {
  await bridge?.close();
});

/** O-02: what Okta posts, incl. the placeholder password and `groups: []`. */
function oktaUser(userName: string) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: "Test", familyName: "User" },
    emails: [{ primary: true, value: userName, type: "work" }],
    displayName: "Test User",
    locale: "en-US",
    externalId: uniqueName("00ujl29u0le5T6Aj10h7"),
    groups: [],
    password: "1mz050nq",
    active: true,
  };
}

/** O-01 + O-02: lookup before create (with Okta's paging parameters), then create. */
async function provisionUser(client: ScimClient, userName: string): Promise<Record<string, unknown> & { id: string }> {
  const lookup = await client.get(`/Users${filterQuery(`userName eq "${userName}"`, "&startIndex=1&count=100")}`);
  expectListResponse(lookup, 0);
  const created = await client.post("/Users", oktaUser(userName));
  expect(created.status).toBe(201);
  return created.body;
}

async function pushGroup(client: ScimClient, displayName: string): Promise<string> {
  const created = await client.post("/Groups", { schemas: [GROUP_SCHEMA], displayName, members: [] });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const memberIds = (groupId: string) => groupMemberIds(okta, groupId);

describe("Okta user provisioning sequence", () => {
  test("O-01 lookup before create answers 200 with an empty ListResponse (SPEC test: invalid user by username)", async () => {
    const lookup = await okta.get(`/Users${filterQuery('userName eq "abcdefgh@atko.com"', "&startIndex=1&count=100")}`);
    expectListResponse(lookup, 0);
  });

  test("O-02 create with application/json, password and groups:[] answers 201 with the user and no password", async () => {
    const userName = `${uniqueName("test.user")}@okta.local`;
    const user = await provisionUser(okta, userName);
    expect(user).toMatchObject({ id: expect.any(String), userName, active: true, name: { givenName: "Test", familyName: "User" } });
    expect(user.schemas).toContain(USER_SCHEMA);
    expect(user.password).toBeUndefined();
  });

  test("O-03 recreating the same user answers 409", async () => {
    const userName = `${uniqueName("dup")}@okta.local`;
    await provisionUser(okta, userName);
    expectScimError(await okta.post("/Users", oktaUser(userName)), 409, "uniqueness");
  });

  test("SPEC username case sensitivity check: the upper-cased userName finds the user", async () => {
    const userName = `${uniqueName("Runscope123Abc")}@atko.com`;
    const user = await provisionUser(okta, userName);
    const probe = await okta.get(`/Users${filterQuery(`userName eq "${userName.toUpperCase()}"`)}`);
    expectListResponse(probe, 1);
    expect(probe.body.Resources[0].id).toBe(user.id);
  });

  test("O-04 import: startIndex=1&count=2 pages carry totalResults and stable, disjoint pages", async () => {
    const own = await bridge.addConnection(uniqueName("okta-o04"), "okta");
    const client = scimClient(bridge.url, own.token, "application/json");
    for (let i = 0; i < 5; i++) await provisionUser(client, `import-${i}@okta.local`);
    const first = await client.get("/Users?startIndex=1&count=2");
    expectListResponse(first, 5);
    expect(first.body).toMatchObject({ startIndex: 1, itemsPerPage: 2 });
    const pages = [first, await client.get("/Users?startIndex=3&count=2"), await client.get("/Users?startIndex=5&count=2")];
    const ids = pages.flatMap((p) => p.body.Resources.map((r: { id: string }) => r.id));
    expect(pages.map((p) => p.body.Resources.length)).toEqual([2, 2, 1]);
    expect(new Set(ids).size).toBe(5);
  });

  test("SPEC test users endpoint: count=1&startIndex=1 returns a complete first user", async () => {
    const own = await bridge.addConnection(uniqueName("okta-spec"), "okta");
    const client = scimClient(bridge.url, own.token, "application/json");
    await provisionUser(client, "okta.seed.user@example.com");
    const response = await client.get("/Users?count=1&startIndex=1");
    expectListResponse(response, 1);
    expect(response.body.Resources[0]).toMatchObject({ id: expect.any(String), userName: expect.any(String), active: true, name: { givenName: "Test", familyName: "User" }, emails: [expect.objectContaining({ value: "okta.seed.user@example.com" })] });
  });

  test("O-05 get user by id", async () => {
    const user = await provisionUser(okta, `${uniqueName("get")}@okta.local`);
    const response = await okta.get(`/Users/${user.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: user.id, userName: user.userName });
  });

  test("O-06 AIW update: GET then full PUT replaces the user; attributes left out are cleared", async () => {
    const user = await provisionUser(okta, `${uniqueName("put")}@okta.local`);
    const current = (await okta.get(`/Users/${user.id}`)).body;
    const { displayName: _dropped, locale: _alsoDropped, ...rest } = current;
    const replaced = await okta.put(`/Users/${user.id}`, { ...rest, name: { givenName: "Changed", middleName: "M", familyName: "User" }, groups: [] });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: user.id, name: { givenName: "Changed", middleName: "M", familyName: "User" } });
    const after = (await okta.get(`/Users/${user.id}`)).body;
    expect(after.name.givenName).toBe("Changed");
    expect(after.displayName).toBeUndefined();
    expect(after.locale).toBeUndefined();
  });

  test("O-07 OIN deactivate: pathless replace {active:false}; the user is still returned (Okta never deletes)", async () => {
    const user = await provisionUser(okta, `${uniqueName("leaver")}@okta.local`);
    expectPatchSucceeded(await okta.patch(`/Users/${user.id}`, [{ op: "replace", value: { active: false } }]));
    const after = await okta.get(`/Users/${user.id}`);
    expect(after.status).toBe(200);
    expect(after.body.active).toBe(false);
  });

  test("O-08 reactivate: pathless replace {active:true}, and AIW PUT with active true", async () => {
    const user = await provisionUser(okta, `${uniqueName("rejoin")}@okta.local`);
    expectPatchSucceeded(await okta.patch(`/Users/${user.id}`, [{ op: "replace", value: { active: false } }]));
    expectPatchSucceeded(await okta.patch(`/Users/${user.id}`, [{ op: "replace", value: { active: true } }]));
    expect((await okta.get(`/Users/${user.id}`)).body.active).toBe(true);
    const current = (await okta.get(`/Users/${user.id}`)).body;
    expect((await okta.put(`/Users/${user.id}`, { ...current, active: false })).status).toBe(200);
    expect((await okta.put(`/Users/${user.id}`, { ...current, active: true })).body.active).toBe(true);
  });

  test("SPEC invalid user by id: a non-UUID id answers 404 with a SCIM error", async () => {
    expectScimError(await okta.get("/Users/010101001010101011001010101011"), 404);
    expectScimError(await okta.get("/Users/00919288221112222"), 404);
  });

  test("SPEC check status 401: a bad Authorization header answers 401 with a SCIM error and WWW-Authenticate", async () => {
    const response = await okta.send("GET", `/Users${filterQuery('userName eq "X@ATKO.COM"')}`, { headers: { authorization: "non-token" } });
    expectScimError(response, 401);
    expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
  });
});

describe("Okta group push sequence", () => {
  test("O-09 push group with members:[] answers 201", async () => {
    const displayName = uniqueName("Test SCIMv2");
    const response = await okta.post("/Groups", { schemas: [GROUP_SCHEMA], displayName, members: [] });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ id: expect.any(String), displayName });
  });

  test("O-10 find group by displayName with Okta paging parameters", async () => {
    const displayName = uniqueName("Find SCIMv2");
    const id = await pushGroup(okta, displayName);
    const found = await okta.get(`/Groups${filterQuery(`displayName eq "${displayName}"`, "&startIndex=1&count=100")}`);
    expectListResponse(found, 1);
    expect(found.body.Resources[0].id).toBe(id);
  });

  test("O-11 list groups with startIndex=1&count=100", async () => {
    const own = await bridge.addConnection(uniqueName("okta-o11"), "okta");
    const client = scimClient(bridge.url, own.token, "application/json");
    await pushGroup(client, "One");
    await pushGroup(client, "Two");
    const list = await client.get("/Groups?startIndex=1&count=100");
    expectListResponse(list, 2);
    expect(list.body.schemas).toEqual([LIST_SCHEMA]);
  });

  test("O-12 get group by id", async () => {
    const id = await pushGroup(okta, uniqueName("Get SCIMv2"));
    const response = await okta.get(`/Groups/${id}`);
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(id);
  });

  test("O-13 OIN rename: pathless replace with the group's own id inside the value", async () => {
    const id = await pushGroup(okta, uniqueName("Before"));
    const renamed = uniqueName("After");
    expectPatchSucceeded(await okta.patch(`/Groups/${id}`, [{ op: "replace", value: { id, displayName: renamed } }]));
    expect((await okta.get(`/Groups/${id}`)).body.displayName).toBe(renamed);
  });

  test("O-14 OIN membership delta: remove members[value eq] without value and add in one PATCH", async () => {
    const id = await pushGroup(okta, uniqueName("Delta"));
    const a = await provisionUser(okta, `${uniqueName("a")}@okta.local`);
    const b = await provisionUser(okta, `${uniqueName("b")}@okta.local`);
    expectPatchSucceeded(await okta.patch(`/Groups/${id}`, [{ op: "add", path: "members", value: [{ value: a.id, display: a.userName }] }]));
    expectPatchSucceeded(await okta.patch(`/Groups/${id}`, [
      { op: "replace", value: { id, displayName: (await okta.get(`/Groups/${id}`)).body.displayName } },
      { op: "remove", path: `members[value eq "${a.id}"]` },
      { op: "add", path: "members", value: [{ value: b.id, display: b.userName }] },
    ]));
    expect(await memberIds(id)).toEqual([b.id]);
  });

  test("O-15 OIN full membership push: replace members sets exactly the list", async () => {
    const id = await pushGroup(okta, uniqueName("Full"));
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((p) => provisionUser(okta, `${uniqueName(p)}@okta.local`)));
    expectPatchSucceeded(await okta.patch(`/Groups/${id}`, [{ op: "add", path: "members", value: [{ value: a.id }, { value: b.id }] }]));
    expectPatchSucceeded(await okta.patch(`/Groups/${id}`, [{ op: "replace", path: "members", value: [{ value: b.id }, { value: c.id }] }]));
    expect(await memberIds(id)).toEqual([b.id, c.id].sort());
  });

  test("O-16 AIW membership: full PUT of the group with members lacking type", async () => {
    const displayName = uniqueName("Put SCIMv2");
    const id = await pushGroup(okta, displayName);
    const a = await provisionUser(okta, `${uniqueName("a")}@okta.local`);
    const b = await provisionUser(okta, `${uniqueName("b")}@okta.local`);
    const put = await okta.put(`/Groups/${id}`, { schemas: [GROUP_SCHEMA], id, displayName, members: [{ value: a.id, display: a.userName }, { value: b.id, display: b.userName }] });
    expect(put.status).toBe(200);
    expect(await memberIds(id)).toEqual([a.id, b.id].sort());
    const emptied = await okta.put(`/Groups/${id}`, { schemas: [GROUP_SCHEMA], id, displayName, members: [] });
    expect(emptied.status).toBe(200);
    expect(await memberIds(id)).toEqual([]);
  });

  test("O-17 unlink pushed group: DELETE answers 204, then 404", async () => {
    const id = await pushGroup(okta, uniqueName("Unlink"));
    expect((await okta.delete(`/Groups/${id}`)).status).toBe(204);
    expectScimError(await okta.get(`/Groups/${id}`), 404);
  });
});
