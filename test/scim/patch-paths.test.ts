/**
 * RFC 7644 §3.5.2 PATCH, one applier behind every recogniser: each case is run through the route that
 * recognises it without reading (an activation, a member delta) and through the general route
 * (scimmy on the resource as read; `If-Match: *` forces it, RFC 7644 §3.14), on two identical tenants.
 * Both must answer the same status, body (ids and meta timestamps aside), ETag, and write the same
 * audit rows and reconcile marks. Cases are the Entra and Okta samples of test/scim-dialect/ plus
 * active toggles, member adds and removes, mixed operations and PATCHes that change nothing.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, scimClient, userBody, type ScimClient } from "./scim-client";

interface Tenant {
  connectionId: string;
  scim: ScimClient;
}

interface Ids {
  users: string[];
  group: string;
}

interface PatchCase {
  name: string;
  resource: "User" | "Group";
  /** Extra attributes of the patched user (User cases), or of the group (Group cases). */
  attributes?: Record<string, unknown>;
  /** Indexes of the three users that start as the group's members. */
  members?: number[];
  operations(ids: Ids): unknown[];
  /** What the PATCH must have done, checked on the first route's answer. */
  expectBody?(body: Record<string, any>, ids: Ids): void;
}

let bridge: TestBridge;
let tenants: [Tenant, Tenant];

beforeAll(async () => {
  bridge = await startTestBridge();
  const second = await bridge.addConnection("second");
  tenants = [
    { connectionId: bridge.connectionId, scim: scimClient(bridge) },
    { connectionId: second.id, scim: scimClient(bridge, second.token) },
  ];
});
afterAll(() => bridge.close());

const memberValues = (body: Record<string, any>) => (body.members ?? []).map((m: { value: string }) => m.value).sort();

const CASES: PatchCase[] = [
  { name: 'E-13 Entra legacy Replace active "False"', resource: "User", operations: () => [{ op: "Replace", path: "active", value: "False" }], expectBody: (b) => expect(b.active).toBe(false) },
  { name: 'E-15 Entra legacy Replace active "True" re-enables', resource: "User", attributes: { active: false }, operations: () => [{ op: "Replace", path: "active", value: "True" }], expectBody: (b) => expect(b.active).toBe(true) },
  { name: "O-07 Okta deactivate: pathless {active:false}", resource: "User", operations: () => [{ op: "replace", value: { active: false } }], expectBody: (b) => expect(b.active).toBe(false) },
  { name: 'O-08 Okta reactivate: pathless {active:"true"}', resource: "User", attributes: { active: false }, operations: () => [{ op: "replace", value: { active: "true" } }], expectBody: (b) => expect(b.active).toBe(true) },
  { name: "active toggle false then true in one message (last operation wins)", resource: "User", operations: () => [{ op: "replace", path: "active", value: false }, { op: "replace", path: "active", value: true }], expectBody: (b) => expect(b).toMatchObject({ active: true, meta: { version: 'W/"1"' } }) },
  { name: "no-op: deactivating an inactive user writes nothing", resource: "User", attributes: { active: false }, operations: () => [{ op: "replace", path: "active", value: false }], expectBody: (b) => expect(b.meta.version).toBe('W/"1"') },
  {
    name: "E-17 Entra legacy six Replace ops incl. the enterprise employeeNumber",
    resource: "User",
    operations: () => [
      { op: "Replace", path: "displayName", value: "Alice S" },
      { op: "Replace", path: 'emails[type eq "work"].value', value: "b@contoso.com" },
      { op: "Replace", path: "name.givenName", value: "Al" },
      { op: "Replace", path: "name.familyName", value: "Smyth" },
      { op: "Replace", path: "externalId", value: "alice" },
      { op: "Replace", path: `${ENTERPRISE}:employeeNumber`, value: "42" },
    ],
    expectBody: (b) => expect(b).toMatchObject({ displayName: "Alice S", externalId: "alice", [ENTERPRISE]: { employeeNumber: "42" } }),
  },
  {
    name: "E-18 Entra aadOptscim062020 pathless replace with dotted and URN keys",
    resource: "User",
    operations: () => [{ op: "replace", value: { displayName: "Bjfe", "name.givenName": "Kkom", [`${ENTERPRISE}:employeeNumber`]: "Aklq" } }],
    expectBody: (b) => expect(b).toMatchObject({ displayName: "Bjfe", name: { givenName: "Kkom" } }),
  },
  { name: "E-19 Entra Add manager with [{$ref, value}]", resource: "User", operations: () => [{ op: "Add", path: "manager", value: [{ $ref: null, value: "m1" }] }], expectBody: (b) => expect(b[ENTERPRISE]).toEqual({ manager: { value: "m1" } }) },
  { name: "E-21 Entra gallery validator replace with null removes", resource: "User", attributes: { title: "Boss" }, operations: () => [{ op: "replace", path: "title", value: null }], expectBody: (b) => expect(b.title).toBeUndefined() },
  {
    name: "mixed: deactivate and rename in one message",
    resource: "User",
    operations: () => [{ op: "replace", path: "active", value: false }, { op: "replace", path: "displayName", value: "Leaver" }],
    expectBody: (b) => expect(b).toMatchObject({ active: false, displayName: "Leaver" }),
  },
  { name: "no-op: replace displayName with the value it has", resource: "User", attributes: { displayName: "Same" }, operations: () => [{ op: "replace", path: "displayName", value: "Same" }], expectBody: (b) => expect(b.meta.version).toBe('W/"1"') },
  {
    name: "E-27 Entra Add several members with $ref null",
    resource: "Group",
    operations: ({ users }) => [{ op: "Add", path: "members", value: [{ $ref: null, value: users[0] }, { $ref: null, value: users[1] }] }],
    expectBody: (b, { users }) => expect(memberValues(b)).toEqual([users[0], users[1]].sort()),
  },
  {
    name: "E-28 Entra legacy Remove members by value list",
    resource: "Group",
    members: [0, 1, 2],
    operations: ({ users }) => [{ op: "Remove", path: "members", value: [{ $ref: null, value: users[0] }, { value: users[2] }] }],
    expectBody: (b, { users }) => expect(memberValues(b)).toEqual([users[1]]),
  },
  {
    name: 'E-29 Entra remove members[value eq "…"]',
    resource: "Group",
    members: [0, 1],
    operations: ({ users }) => [{ op: "remove", path: `members[value eq "${users[0]}"]` }],
    expectBody: (b, { users }) => expect(memberValues(b)).toEqual([users[1]]),
  },
  { name: "E-26 Entra Replace displayName", resource: "Group", members: [0], operations: () => [{ op: "Replace", path: "displayName", value: "New" }], expectBody: (b) => expect(b.displayName).toBe("New") },
  {
    name: "O-13 Okta pathless rename carrying the group's own id",
    resource: "Group",
    members: [0],
    operations: ({ group }) => [{ op: "replace", value: { id: group, displayName: "Renamed" } }],
    expectBody: (b) => expect(b.displayName).toBe("Renamed"),
  },
  {
    name: "O-14 Okta remove members[value eq] and add with display in one message",
    resource: "Group",
    members: [0],
    operations: ({ users }) => [{ op: "remove", path: `members[value eq "${users[0]}"]` }, { op: "add", path: "members", value: [{ value: users[1], display: "x" }] }],
    expectBody: (b, { users }) => expect(memberValues(b)).toEqual([users[1]]),
  },
  {
    name: "O-15 Okta replace members with members lacking type",
    resource: "Group",
    members: [0, 1],
    operations: ({ users }) => [{ op: "replace", path: "members", value: [{ value: users[1] }, { value: users[2] }] }],
    expectBody: (b, { users }) => expect(memberValues(b)).toEqual([users[1], users[2]].sort()),
  },
  {
    name: "mixed: rename and add a member in one message",
    resource: "Group",
    operations: ({ users }) => [{ op: "replace", path: "displayName", value: "Both" }, { op: "add", path: "members", value: [{ value: users[2] }] }],
    expectBody: (b, { users }) => expect(b).toMatchObject({ displayName: "Both", members: [{ value: users[2] }] }),
  },
  {
    name: "mixed: externalId and a member removal in one message",
    resource: "Group",
    members: [0, 1],
    operations: ({ users }) => [{ op: "replace", path: "externalId", value: "ext-9" }, { op: "remove", path: `members[value eq "${users[1]}"]` }],
    expectBody: (b, { users }) => expect(b).toMatchObject({ externalId: "ext-9", members: [{ value: users[0] }] }),
  },
  { name: "no-op: adding a member the group has", resource: "Group", members: [0], operations: ({ users }) => [{ op: "add", path: "members", value: [{ value: users[0] }] }], expectBody: (b) => expect(b.meta.version).toBe('W/"1"') },
  { name: "no-op: removing a user who is no member", resource: "Group", members: [0], operations: ({ users }) => [{ op: "remove", path: `members[value eq "${users[1]}"]` }], expectBody: (b) => expect(b.meta.version).toBe('W/"1"') },
  { name: "no-op: Okta re-sends the group's name", resource: "Group", operations: () => [{ op: "replace", value: { displayName: "Team" } }], expectBody: (b) => expect(b.meta.version).toBe('W/"1"') },
  {
    name: "an unknown member id is refused alike (RFC 7644 §3.12 invalidValue), nothing written",
    resource: "Group",
    operations: () => [{ op: "add", path: "members", value: [{ value: "0b9a2f0e-0000-4000-8000-000000000000" }] }],
  },
];

/** The case's starting state in one tenant: three users and a group, the same in every tenant. */
async function setUp(tenant: Tenant, index: number, c: PatchCase): Promise<Ids> {
  const users: string[] = [];
  for (let n = 0; n < 3; n++) {
    const attributes = c.resource === "User" && n === 0 ? c.attributes : {};
    const res = await tenant.scim("post", "/Users", userBody(`case${index}.user${n}@contoso.com`, { emails: [{ value: `case${index}.${n}@contoso.com`, type: "work" }], ...attributes }));
    expect(res.status).toBe(201);
    users.push(res.body.id);
  }
  const members = (c.members ?? []).map((n) => ({ value: users[n] }));
  const group = await tenant.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Team", members, ...(c.resource === "Group" ? c.attributes : {}) });
  expect(group.status).toBe(201);
  return { users, group: group.body.id };
}

const VARIES = new Set(["created", "lastModified", "at", "requestId", "actor", "connectionId", "id", "dirtyAt", "nextAttemptAt", "updatedAt"]);

/** Sort key of an array entry: members added by one statement share a time and are ordered by id, which differs between tenants. */
const entryKey = (entry: unknown) => (typeof entry === "object" && entry !== null ? String((entry as { value?: unknown }).value) : String(entry));

/** Ids become their role, and what differs by nature between two requests (timestamps, request ids, tokens, id order) goes. */
function normalise(value: unknown, ids: Ids): unknown {
  let text = JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? Number(v) : v));
  ids.users.forEach((id, n) => (text = text.replaceAll(id, `<user${n}>`)));
  text = text.replaceAll(ids.group, "<group>");
  return JSON.parse(text, (key, v) => {
    if (VARIES.has(key) && typeof v !== "object") return "<varies>";
    return Array.isArray(v) ? [...v].sort((a, b) => entryKey(a).localeCompare(entryKey(b))) : v;
  });
}

async function patchVia(tenant: Tenant, index: number, c: PatchCase, headers: Record<string, string>) {
  const ids = await setUp(tenant, index, c);
  const prisma = bridge.db.prisma;
  const lastAudit = (await prisma.auditEvent.aggregate({ _max: { id: true } }))._max.id ?? 0n;
  const path = c.resource === "User" ? `/Users/${ids.users[0]}` : `/Groups/${ids.group}`;
  const res = await tenant.scim("patch", path, { schemas: [PATCH_OP], Operations: c.operations(ids) }, headers);
  const audit = await prisma.auditEvent.findMany({ where: { connectionId: tenant.connectionId, id: { gt: lastAudit } }, orderBy: { id: "asc" } });
  const subjects = [...ids.users, ids.group];
  const marks = await prisma.reconcileItem.findMany({ where: { subjectId: { in: subjects } }, select: { subjectType: true, subjectId: true, generation: true } });
  marks.sort((a, b) => subjects.indexOf(a.subjectId) - subjects.indexOf(b.subjectId));
  const read = await tenant.scim("get", path);
  return { ids, body: res.body, result: normalise({ status: res.status, etag: res.headers.etag, body: res.body, audit, marks, read: read.body }, ids) };
}

test.each(CASES.map((c, index) => [c.name, c, index] as const))("%s: the recognising route and the general route (If-Match: *) answer and write alike", async (_name, c, index) => {
  const recognised = await patchVia(tenants[0], index, c, {});
  const general = await patchVia(tenants[1], index, c, { "If-Match": "*" });
  expect(general.result).toEqual(recognised.result);
  if (c.expectBody) {
    expect(recognised.result).toMatchObject({ status: 200 });
    c.expectBody(recognised.body, recognised.ids);
  } else {
    expect(recognised.result).toMatchObject({ status: 400, body: { scimType: "invalidValue" }, audit: [] });
  }
});
