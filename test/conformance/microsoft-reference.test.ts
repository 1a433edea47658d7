/**
 * The quirks of Microsoft's SCIM reference test collection (../shared/scim-idp.md §B.1) that the bridge
 * supports rather than waives, proved over real HTTP. Each test uses a connection of its own when it
 * needs exact counts.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, expectListResponse, expectPatchSucceeded, filterQuery, scimClient, uniqueName, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let client: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  client = scimClient(bridge.url, bridge.token);
});
afterAll(async () => {
  await bridge?.close();
});

async function freshTenant(): Promise<ScimClient> {
  const own = await bridge.addConnection(uniqueName("ms"), "generic");
  return scimClient(bridge.url, own.token);
}

function employee(userName: string, familyName: string, emails: string[]) {
  return {
    schemas: [USER_SCHEMA], userName, active: true, displayName: "Kimberly Baker",
    name: { formatted: "Daniel Mcgee", familyName, givenName: "Darl", honorificPrefix: null, honorificSuffix: null },
    emails: emails.map((value, i) => ({ type: "work", primary: i === 0, value })),
    addresses: [{ country: null, formatted: "18522 Lisa Unions", locality: null, type: "other", primary: false }],
  };
}

describe("Microsoft reference collection quirks", () => {
  test('Post emp1 with string "True": 201 and active is the boolean true', async () => {
    const response = await client.post("/Users", { ...employee(uniqueName("emp1"), "Employee", ["anna33@gmail.com"]), active: "True" });
    expect(response.status).toBe(201);
    expect(response.body.active).toBe(true);
  });

  test('Post User with capitalised "Primary" and enterprise "Department"/"Manager.Value" keeps their values', async () => {
    const response = await client.post("/Users", {
      userName: uniqueName("UserName222"), active: true, schemas: [ENTERPRISE_SCHEMA, USER_SCHEMA],
      emails: [{ Primary: true, type: "work", value: "testing@bob2.com" }],
      [ENTERPRISE_SCHEMA]: { Department: "bob", Manager: { Value: "SuzzyQ" } },
    });
    expect(response.status).toBe(201);
    expect(response.body.emails).toEqual([expect.objectContaining({ primary: true, value: "testing@bob2.com" })]);
    expect(response.body[ENTERPRISE_SCHEMA]).toMatchObject({ department: "bob" });
  });

  test("filter eq and (val or val) with unquoted values and capitalised attribute names counts the right users", async () => {
    const tenant = await freshTenant();
    for (const name of ["emp1", "emp2", "emp3"]) expect((await tenant.post("/Users", employee(name, "Employee", ["anna33@gmail.com", "anna33@example.com"]))).status).toBe(201);
    expect((await tenant.post("/Users", employee("OMalley", "OMalley", ["anna33@example.com"]))).status).toBe(201);
    expect((await tenant.post("/Users", employee("someone", "Employee", ["x@example.net"]))).status).toBe(201);
    expectListResponse(await tenant.get(`/Users${filterQuery("name.FamilyName eq Employee and (emails.Value co example.com or emails.Value co example.org)")}`), 3);
    expectListResponse(await tenant.get(`/Users${filterQuery("userName sw O")}`), 1);
    expectListResponse(await tenant.get(`/Users${filterQuery("meta.Created gt 2015-10-10T14:38:21.8617979-07:00")}`), 5);
    expectListResponse(await tenant.get(`/Users${filterQuery('DisplayName eq "Kimberly Baker"')}`), 5);
  });

  test("Paginate startIndex=1&count=2: totalResults counts all users, itemsPerPage the page", async () => {
    const tenant = await freshTenant();
    for (let i = 0; i < 5; i++) expect((await tenant.post("/Users", employee(`page${i}`, "Employee", [`p${i}@example.com`]))).status).toBe(201);
    const page = await tenant.get("/Users?startIndex=1&count=2");
    expectListResponse(page, 5);
    expect(page.body.itemsPerPage).toBe(2);
    expect(page.body.Resources).toHaveLength(2);
  });

  test("Group patch add member with a bare string value adds that member", async () => {
    const user = await client.post("/Users", employee(uniqueName("member"), "Employee", ["m@example.com"]));
    const group = await client.post("/Groups", { displayName: "Group 1", externalId: uniqueName("ext"), schemas: [GROUP_SCHEMA] });
    expect(group.status).toBe(201);
    expectPatchSucceeded(await client.patch(`/Groups/${group.body.id}`, [{ op: "add", path: "members", value: user.body.id }]));
    const after = await client.get(`/Groups/${group.body.id}`);
    expect(after.body.members.map((m: { value: string }) => m.value)).toEqual([user.body.id]);
  });

  test("Put a user misspelled attribute: the unknown attribute is ignored and the PUT succeeds", async () => {
    const created = await client.post("/Users", employee(uniqueName("OMalley"), "OMalley", ["anna33@example.com"]));
    const { addresses: _addresses, ...rest } = employee(created.body.userName, "OMalley", ["anna33@example.com"]);
    const response = await client.put(`/Users/${created.body.id}`, { ...rest, id: created.body.id, adreses: [{ country: "Germany" }] });
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).not.toMatch(/adreses|addresses/i);
  });
});
