/**
 * Microsoft Entra ID provisioning, replayed step by step over real HTTP (../shared/scim-idp.md §1.1,
 * request ids E-xx). Legacy PATCH dialect and `aadOptscim062020` both. Each test provisions what it needs
 * with unique names, so any test can run alone; exact counts use a connection of their own.
 */
import crypto from "node:crypto";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import {
  ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, expectListResponse, expectPatchSucceeded, expectScimError, filterQuery, groupMemberIds,
  scimClient, uniqueName, type ScimClient,
} from "./scim-client";

const ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

let bridge: TestBridge;
let entra: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge({ idp: "entra" });
  entra = scimClient(bridge.url, bridge.token);
});
afterAll(async () => {
  await bridge?.close();
});

/** Entra's create body (use-scim-to-provision-users-and-groups.md, "Create User" request). */
function entraUser(userName: string, extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA],
    externalId: crypto.randomUUID(),
    userName,
    active: true,
    emails: [{ primary: true, type: "work", value: `${userName}` }],
    meta: { resourceType: "User" },
    name: { formatted: "givenName familyName", familyName: "familyName", givenName: "givenName" },
    roles: [],
    ...extra,
  };
}

/** E-02 + E-05: the match query Entra sends before every create, then the create. */
async function provisionUser(client: ScimClient, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const match = await client.get(`/Users${filterQuery(`userName eq "${userName}"`)}`);
  expectListResponse(match, 0);
  const created = await client.post("/Users", entraUser(userName, extra));
  expect(created.status).toBe(201);
  return created.body.id as string;
}

async function provisionGroup(client: ScimClient, displayName: string): Promise<string> {
  const created = await client.post("/Groups", { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], externalId: crypto.randomUUID(), displayName, meta: { resourceType: "Group" } });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const memberIds = (groupId: string) => groupMemberIds(entra, groupId);

describe("Entra ID provisioning sequence", () => {
  test("E-01 Test Connection: filter on a random GUID answers 200 with an empty ListResponse", async () => {
    const response = await entra.get(`/Users${filterQuery(`userName eq "${crypto.randomUUID()}"`)}`);
    expectListResponse(response, 0);
    expect(response.body.Resources).toEqual([]);
    expect(response.body.startIndex).toBe(1);
  });

  test("E-01 Test Connection with '+' for spaces in the query answers the same", async () => {
    const response = await entra.get(`/Users?filter=userName+eq+%22${crypto.randomUUID()}%22`);
    expectListResponse(response, 0);
  });

  test("E-02/E-05 create with pre-check: no match, POST 201 echoing what was sent, then the match finds it", async () => {
    const userName = `${uniqueName("Test_User")}@contoso.com`;
    const body = entraUser(userName);
    const id = await provisionUser(entra, userName);
    const created = await entra.get(`/Users/${id}`);
    expect(created.body).toMatchObject({ id, userName, externalId: expect.any(String), active: true, name: body.name, emails: body.emails });
    expect(created.body.meta).toMatchObject({ resourceType: "User", created: expect.any(String), lastModified: expect.any(String) });
    const match = await entra.get(`/Users${filterQuery(`userName eq "${userName}"`)}`);
    expectListResponse(match, 1);
    expect(match.body.Resources[0].id).toBe(id);
  });

  test("E-02 match before create is case-insensitive on userName", async () => {
    const userName = `${uniqueName("Mixed.Case")}@Contoso.com`;
    const id = await provisionUser(entra, userName);
    const match = await entra.get(`/Users${filterQuery(`userName eq "${userName.toLowerCase()}"`)}`);
    expectListResponse(match, 1);
    expect(match.body.Resources[0].id).toBe(id);
  });

  test("E-03 match by externalId finds the user", async () => {
    const userName = `${uniqueName("ext")}@contoso.com`;
    const externalId = uniqueName("jyoung");
    const id = await provisionUser(entra, userName, { externalId });
    const match = await entra.get(`/Users${filterQuery(`externalId eq "${externalId}"`)}`);
    expectListResponse(match, 1);
    expect(match.body.Resources[0].id).toBe(id);
  });

  test('E-04 match by email: emails[type eq "work"].value eq finds the user even when other users have no emails', async () => {
    const own = await bridge.addConnection(uniqueName("entra-e04"), "entra");
    const client = scimClient(bridge.url, own.token);
    await provisionUser(client, "no-email@contoso.com", { emails: undefined });
    const userName = `${uniqueName("mail")}@contoso.com`;
    const id = await provisionUser(client, userName);
    const match = await client.get(`/Users${filterQuery(`emails[type eq "work"].value eq "${userName}"`)}`);
    expectListResponse(match, 1);
    expect(match.body.Resources[0].id).toBe(id);
  });

  test("E-06 create with nulls and a misspelt extension URN: 201, nulls treated as absent", async () => {
    const userName = `${uniqueName("nulls")}@contoso.com`;
    const response = await entra.post("/Users", {
      ...entraUser(userName),
      schemas: [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
      addresses: null, phoneNumbers: null, title: null, department: null, manager: null,
    });
    expect(response.status).toBe(201);
    expect(response.body.userName).toBe(userName);
    expect(response.body.addresses ?? []).toEqual([]);
    expect(response.body.phoneNumbers ?? []).toEqual([]);
  });

  test("E-07 duplicate create answers 409 uniqueness with a detail", async () => {
    const userName = `${uniqueName("dup")}@contoso.com`;
    await provisionUser(entra, userName);
    expectScimError(await entra.post("/Users", entraUser(userName)), 409, "uniqueness");
    expectScimError(await entra.post("/Users", entraUser(userName.toUpperCase())), 409, "uniqueness");
  });

  test("E-08 get user by id answers 200 with the user", async () => {
    const userName = `${uniqueName("get")}@contoso.com`;
    const id = await provisionUser(entra, userName);
    const response = await entra.get(`/Users/${id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/scim\+json/);
    expect(response.body).toMatchObject({ id, userName });
  });

  test("E-09 get a user that does not exist answers 404 with a SCIM error", async () => {
    expectScimError(await entra.get(`/Users/${crypto.randomUUID()}`), 404);
  });

  test('E-10/E-17 legacy update: Replace ops incl. emails[type eq "work"].value, name parts and employeeNumber', async () => {
    const userName = `${uniqueName("upd")}@contoso.com`;
    const id = await provisionUser(entra, userName);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [
      { op: "Replace", path: "displayName", value: "Updated Display" },
      { op: "Replace", path: 'emails[type eq "work"].value', value: "updatedEmail@contoso.com" },
      { op: "Replace", path: "name.givenName", value: "updatedGiven" },
      { op: "Replace", path: "name.familyName", value: "updatedFamilyName" },
      { op: "Replace", path: "externalId", value: "updated-external" },
      { op: "Replace", path: `${ENTERPRISE_SCHEMA}:employeeNumber`, value: "42" },
    ]));
    const user = (await entra.get(`/Users/${id}`)).body;
    expect(user).toMatchObject({
      displayName: "Updated Display", externalId: "updated-external",
      name: { givenName: "updatedGiven", familyName: "updatedFamilyName" },
      emails: [expect.objectContaining({ type: "work", value: "updatedEmail@contoso.com" })],
      [ENTERPRISE_SCHEMA]: { employeeNumber: "42" },
    });
  });

  test('E-11 Add on emails[type eq "work"].value for a user without emails creates the work email', async () => {
    const userName = `${uniqueName("noemail")}@contoso.com`;
    const id = await provisionUser(entra, userName, { emails: undefined });
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "Add", path: 'emails[type eq "work"].value', value: "w@contoso.com" }]));
    expect((await entra.get(`/Users/${id}`)).body.emails).toEqual([expect.objectContaining({ type: "work", value: "w@contoso.com" })]);
  });

  test("E-12 Replace userName", async () => {
    const id = await provisionUser(entra, `${uniqueName("rename")}@contoso.com`);
    const renamed = `${uniqueName("renamed")}@contoso.com`;
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "Replace", path: "userName", value: renamed }]));
    expect((await entra.get(`/Users/${id}`)).body.userName).toBe(renamed);
  });

  test('E-13 legacy disable: Replace active "False" deactivates; E-15 "True" re-enables', async () => {
    const id = await provisionUser(entra, `${uniqueName("leaver")}@contoso.com`);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "Replace", path: "active", value: "False" }]));
    expect((await entra.get(`/Users/${id}`)).body.active).toBe(false);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "Replace", path: "active", value: "True" }]));
    expect((await entra.get(`/Users/${id}`)).body.active).toBe(true);
  });

  test("E-14 aadOptscim062020 disable: replace active false; the user is still returned by GET and filter", async () => {
    const userName = `${uniqueName("flag")}@contoso.com`;
    const id = await provisionUser(entra, userName);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "replace", path: "active", value: false }]));
    expect((await entra.get(`/Users/${id}`)).body.active).toBe(false);
    const match = await entra.get(`/Users${filterQuery(`userName eq "${userName}"`)}`);
    expectListResponse(match, 1);
    expect(match.body.Resources[0].active).toBe(false);
  });

  test("E-16 legacy Add of nickName", async () => {
    const id = await provisionUser(entra, `${uniqueName("nick")}@contoso.com`);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "Add", path: "nickName", value: "Babs" }]));
    expect((await entra.get(`/Users/${id}`)).body.nickName).toBe("Babs");
  });

  test("E-18 aadOptscim062020 replace without path: dotted and URN-qualified keys", async () => {
    const id = await provisionUser(entra, `${uniqueName("pathless")}@contoso.com`);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{
      op: "replace",
      value: { displayName: "Bjfe", "name.givenName": "Kkom", "name.familyName": "Unua", [`${ENTERPRISE_SCHEMA}:employeeNumber`]: "Aklq" },
    }]));
    expect((await entra.get(`/Users/${id}`)).body).toMatchObject({
      displayName: "Bjfe", name: { givenName: "Kkom", familyName: "Unua" }, [ENTERPRISE_SCHEMA]: { employeeNumber: "Aklq" },
    });
  });

  test('E-19/E-20 manager: tutorial path "manager" with [{value}], live URN path with a bare id, then removal', async () => {
    const managerId = await provisionUser(entra, `${uniqueName("boss")}@contoso.com`);
    const otherManagerId = await provisionUser(entra, `${uniqueName("boss2")}@contoso.com`);
    const id = await provisionUser(entra, `${uniqueName("report")}@contoso.com`);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "Add", path: "manager", value: [{ $ref: null, value: managerId }] }]));
    expect((await entra.get(`/Users/${id}`)).body[ENTERPRISE_SCHEMA].manager.value).toBe(managerId);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "Replace", path: `${ENTERPRISE_SCHEMA}:manager`, value: otherManagerId }]));
    expect((await entra.get(`/Users/${id}`)).body[ENTERPRISE_SCHEMA].manager.value).toBe(otherManagerId);
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "Replace", path: `${ENTERPRISE_SCHEMA}:manager`, value: "" }]));
    expect((await entra.get(`/Users/${id}`)).body[ENTERPRISE_SCHEMA]?.manager).toBeUndefined();
  });

  test("E-21 gallery validator: replace optional attributes with empty then null", async () => {
    const id = await provisionUser(entra, `${uniqueName("empty")}@contoso.com`, { title: "Engineer" });
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "replace", path: "title", value: "" }]));
    expectPatchSucceeded(await entra.patch(`/Users/${id}`, [{ op: "replace", path: "title", value: null }, { op: "replace", path: "phoneNumbers", value: null }]));
    const user = (await entra.get(`/Users/${id}`)).body;
    expect(user.title ?? "").toBe("");
    expect(user.phoneNumbers ?? []).toEqual([]);
  });

  test("E-22 delete user answers 204; afterwards GET and a second DELETE answer 404", async () => {
    const id = await provisionUser(entra, `${uniqueName("gone")}@contoso.com`);
    const deleted = await entra.delete(`/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeUndefined();
    expectScimError(await entra.get(`/Users/${id}`), 404);
    expectScimError(await entra.delete(`/Users/${id}`), 404);
  });
});

describe("Entra ID group provisioning sequence", () => {
  test("E-23 create group with the ADSCIM schema URN and no members answers 201", async () => {
    const displayName = uniqueName("Group");
    const response = await entra.post("/Groups", { schemas: [GROUP_SCHEMA, ADSCIM_GROUP], externalId: crypto.randomUUID(), displayName, meta: { resourceType: "Group" } });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ id: expect.any(String), displayName });
    expect(response.body.members ?? []).toEqual([]);
  });

  test("E-24 find group by displayName with excludedAttributes=members returns it without members", async () => {
    const displayName = uniqueName("Find Group");
    const id = await provisionGroup(entra, displayName);
    const userId = await provisionUser(entra, `${uniqueName("member")}@contoso.com`);
    expectPatchSucceeded(await entra.patch(`/Groups/${id}`, [{ op: "Add", path: "members", value: [{ $ref: null, value: userId }] }]));
    const found = await entra.get(`/Groups${filterQuery(`displayName eq "${displayName}"`, "&excludedAttributes=members")}`);
    expectListResponse(found, 1);
    expect(found.body.Resources[0].id).toBe(id);
    expect(found.body.Resources[0].members).toBeUndefined();
  });

  test("E-25 get group with excludedAttributes=members omits members", async () => {
    const id = await provisionGroup(entra, uniqueName("Get Group"));
    const response = await entra.get(`/Groups/${id}?excludedAttributes=members`);
    expect(response.status).toBe(200);
    expect(response.body.id).toBe(id);
    expect(response.body.members).toBeUndefined();
  });

  test("E-26 rename group with Replace displayName", async () => {
    const id = await provisionGroup(entra, uniqueName("Old Name"));
    const renamed = uniqueName("updatedDisplayName");
    expectPatchSucceeded(await entra.patch(`/Groups/${id}`, [{ op: "Replace", path: "displayName", value: renamed }]));
    expect((await entra.get(`/Groups/${id}`)).body.displayName).toBe(renamed);
  });

  test("E-27 add several members in one PATCH; users show the group", async () => {
    const id = await provisionGroup(entra, uniqueName("Members"));
    const a = await provisionUser(entra, `${uniqueName("a")}@contoso.com`);
    const b = await provisionUser(entra, `${uniqueName("b")}@contoso.com`);
    expectPatchSucceeded(await entra.patch(`/Groups/${id}`, [{ op: "Add", path: "members", value: [{ $ref: null, value: a }, { $ref: null, value: b }] }]));
    expect(await memberIds(id)).toEqual([a, b].sort());
    const user = (await entra.get(`/Users/${a}`)).body;
    expect((user.groups ?? []).map((g: { value: string }) => g.value)).toContain(id);
  });

  test("E-28 legacy removal by value list removes only the listed members", async () => {
    const id = await provisionGroup(entra, uniqueName("Remove Legacy"));
    const [a, b, c] = await Promise.all(["a", "b", "c"].map((p) => provisionUser(entra, `${uniqueName(p)}@contoso.com`)));
    expectPatchSucceeded(await entra.patch(`/Groups/${id}`, [{ op: "Add", path: "members", value: [a, b, c].map((value) => ({ value })) }]));
    expectPatchSucceeded(await entra.patch(`/Groups/${id}`, [{ op: "Remove", path: "members", value: [{ $ref: null, value: a }, { value: c }] }]));
    expect(await memberIds(id)).toEqual([b]);
  });

  test('E-29 aadOptscim062020 removal by members[value eq "…"]; an unknown member is a no-op', async () => {
    const id = await provisionGroup(entra, uniqueName("Remove Flag"));
    const [a, b] = await Promise.all(["a", "b"].map((p) => provisionUser(entra, `${uniqueName(p)}@contoso.com`)));
    expectPatchSucceeded(await entra.patch(`/Groups/${id}`, [{ op: "add", path: "members", value: [{ value: a }, { value: b }] }]));
    expectPatchSucceeded(await entra.patch(`/Groups/${id}`, [{ op: "remove", path: `members[value eq "${a}"]` }]));
    expect(await memberIds(id)).toEqual([b]);
    const again = await entra.patch(`/Groups/${id}`, [{ op: "remove", path: `members[value eq "${a}"]` }]);
    expect([200, 204]).toContain(again.status);
    expect(await memberIds(id)).toEqual([b]);
  });

  test("E-30 delete group answers 204; afterwards GET answers 404", async () => {
    const id = await provisionGroup(entra, uniqueName("Doomed"));
    expect((await entra.delete(`/Groups/${id}`)).status).toBe(204);
    expectScimError(await entra.get(`/Groups/${id}`), 404);
  });

  test("E-31 schema discovery: /Schemas is a ListResponse with the User and Group schemas", async () => {
    const response = await entra.get("/Schemas");
    expect(response.status).toBe(200);
    const ids = (response.body.Resources as Array<{ id: string }>).map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining([USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_SCHEMA]));
  });

  test("E-32 gallery validator pagination: startIndex=6&count=5 over 11 users echoes startIndex and pages stably", async () => {
    const own = await bridge.addConnection(uniqueName("entra-e32"), "entra");
    const client = scimClient(bridge.url, own.token);
    for (let i = 0; i < 11; i++) await provisionUser(client, `page-${String(i).padStart(2, "0")}@contoso.com`);
    const pages = await Promise.all([1, 6, 11].map((start) => client.get(`/Users?startIndex=${start}&count=5`)));
    for (const [i, page] of pages.entries()) {
      expectListResponse(page, 11);
      expect(page.body.startIndex).toBe([1, 6, 11][i]);
      expect(page.body.itemsPerPage).toBe(page.body.Resources.length);
    }
    expect(pages.map((p) => p.body.Resources.length)).toEqual([5, 5, 1]);
    const ids = pages.flatMap((p) => p.body.Resources.map((r: { id: string }) => r.id));
    expect(new Set(ids).size).toBe(11);
  });
});
