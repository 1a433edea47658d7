/**
 * The total of an unfiltered list (RFC 7644 §3.4.2: totalResults) is the connection's kept count of
 * live users or groups (ScimTenantCount), written by the statements that create and delete them; a
 * filtered list still COUNTs its matches. This runs both paths and compares them, with the database's
 * own count of live rows and with a model of what the IdP did: after every step of a seeded random
 * sequence of creates, deletes and PUTs over two connections, including creates refused for a taken
 * userName or an unknown member and deletes of resources already deleted (which must change nothing).
 * The PUTs change familyName, whose key the sort and filter of name.familyName read, so the sequence
 * ends by checking them against the model (RFC 7644 §3.4.2.3: case-insensitive, missing values last
 * in both directions, stable paging).
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { Random } from "../helpers/random";
import { scimClient, userBody, groupBody, type ScimClient } from "./scim-client";

const STEPS = 120;
const SEED = 9;
const WORDS = ["adams", "Baker", "CLARK", "davis", "Evans", "adAms", "baker"];

interface Tenant {
  connectionId: string;
  scim: ScimClient;
  /** Live users: id → familyName (undefined: absent). */
  users: Map<string, { userName: string; familyName?: string }>;
  groups: Set<string>;
  deletedUsers: string[];
  deletedGroups: string[];
  created: number;
}

let bridge: TestBridge;
let tenants: Tenant[];
const rng = new Random(SEED);

beforeAll(async () => {
  bridge = await startTestBridge();
  const other = await bridge.addConnection("other");
  const tenant = (connectionId: string, token: string): Tenant => ({
    connectionId,
    scim: scimClient(bridge, token),
    users: new Map(),
    groups: new Set(),
    deletedUsers: [],
    deletedGroups: [],
    created: 0,
  });
  tenants = [tenant(bridge.connectionId, bridge.token), tenant(other.id, other.token)];
});
afterAll(() => bridge?.close());

async function expectStatus(res: { status: number; text: string }, status: number, step: string) {
  if (res.status !== status) throw new Error(`${step}: expected ${status}, got ${res.status} ${res.text}`);
}

const randomFamilyName = () => (rng.chance(0.2) ? undefined : rng.pick(WORDS));
const liveUserIds = (t: Tenant) => [...t.users.keys()];

/** DELETE of a live resource (204; tombstoned in the model) or, `again`, of one already deleted (404; nothing changes). */
async function deleteOne(t: Tenant, resource: "Users" | "Groups", again: boolean): Promise<string> {
  const live = resource === "Users" ? t.users : t.groups;
  const deleted = resource === "Users" ? t.deletedUsers : t.deletedGroups;
  const pool = again ? deleted : [...live.keys()];
  if (pool.length === 0) return `no ${again ? "deleted" : "live"} ${resource}`;
  const id = rng.pick(pool);
  await expectStatus(await t.scim("delete", `/${resource}/${id}`), again ? 404 : 204, `delete ${resource} ${id}`);
  if (!again) {
    live.delete(id);
    deleted.push(id);
  }
  return `deleted ${resource} ${id}${again ? " again" : ""}`;
}

/** One random step against tenant `t`; answers a description for failure messages. */
async function step(t: Tenant): Promise<string> {
  const action = rng.pick(["createUser", "createUser", "createTakenUser", "deleteUser", "deleteDeletedUser", "putUser", "createGroup", "createGroupUnknownMember", "deleteGroup", "deleteDeletedGroup", "putGroup"]);
  const live = liveUserIds(t);
  switch (action) {
    case "createUser": {
      const userName = `user${t.created++}`;
      const familyName = randomFamilyName();
      const res = await t.scim("post", "/Users", userBody(userName, { name: familyName === undefined ? { givenName: "G" } : { familyName } }));
      await expectStatus(res, 201, `create ${userName}`);
      t.users.set(res.body.id, { userName, familyName });
      return `created user ${userName}`;
    }
    case "createTakenUser": {
      if (live.length === 0) return "nothing to duplicate";
      const taken = t.users.get(rng.pick(live))!.userName.toUpperCase(); // userName is caseExact false
      await expectStatus(await t.scim("post", "/Users", userBody(taken)), 409, `duplicate ${taken}`);
      return `refused duplicate ${taken}`;
    }
    case "deleteUser":
      return deleteOne(t, "Users", false);
    case "deleteDeletedUser":
      return deleteOne(t, "Users", true);
    case "putUser": {
      if (live.length === 0) return "no user to replace";
      const id = rng.pick(live);
      const user = t.users.get(id)!;
      const familyName = randomFamilyName();
      const res = await t.scim("put", `/Users/${id}`, userBody(user.userName, { name: familyName === undefined ? { givenName: "G" } : { familyName } }));
      await expectStatus(res, 200, `put user ${id}`);
      t.users.set(id, { ...user, familyName });
      return `replaced user ${id} (familyName ${familyName})`;
    }
    case "createGroup": {
      const members = live.filter(() => rng.chance(0.3));
      const res = await t.scim("post", "/Groups", groupBody(`group${t.created++}`, members));
      await expectStatus(res, 201, "create group");
      t.groups.add(res.body.id);
      return `created group of ${members.length}`;
    }
    case "createGroupUnknownMember": {
      if (t.deletedUsers.length === 0) return "no deleted user to name";
      const res = await t.scim("post", "/Groups", groupBody(`group${t.created++}`, [...live.slice(0, 1), rng.pick(t.deletedUsers)]));
      await expectStatus(res, 400, "create group naming a deleted user");
      return "refused group naming a deleted user";
    }
    case "deleteGroup":
      return deleteOne(t, "Groups", false);
    case "deleteDeletedGroup":
      return deleteOne(t, "Groups", true);
    default: {
      if (t.groups.size === 0) return "no group to replace";
      const id = rng.pick([...t.groups]);
      const res = await t.scim("put", `/Groups/${id}`, groupBody(`renamed${t.created++}`, live.filter(() => rng.chance(0.3))));
      await expectStatus(res, 200, `put group ${id}`);
      return `replaced group ${id}`;
    }
  }
}

/** totalResults of the unfiltered list (the kept count), of `id pr` (a COUNT), and the live rows in the table. */
async function totals(t: Tenant, resource: "Users" | "Groups") {
  const list = async (query: string) => {
    const res = await t.scim("get", `/${resource}?${query}`);
    await expectStatus(res, 200, `list ${resource}?${query}`);
    return res.body.totalResults as number;
  };
  const table = resource === "Users" ? "ScimUser" : "ScimGroup";
  const [row] = await bridge.db.sql.query<{ live: number }>(`SELECT count(*)::int AS "live" FROM "${table}" WHERE "connectionId" = $1::uuid AND "deletedAt" IS NULL`, [t.connectionId]);
  return { kept: await list("count=0"), counted: await list(`filter=${encodeURIComponent("id pr")}&count=0`), live: row.live };
}

interface Observation {
  step: string;
  resource: "Users" | "Groups";
  kept: number;
  counted: number;
  live: number;
}

/** After each step, every tenant's totals beside the model's size. */
const observations: Array<{ seen: Observation; expected: Observation }> = [];

beforeAll(async () => {
  for (let n = 0; n < STEPS; n++) {
    const t = rng.pick(tenants);
    const done = `${n}: ${await step(t)}`;
    for (const each of tenants) {
      for (const resource of ["Users", "Groups"] as const) {
        const size = resource === "Users" ? each.users.size : each.groups.size;
        observations.push({ seen: { step: done, resource, ...(await totals(each, resource)) }, expected: { step: done, resource, kept: size, counted: size, live: size } });
      }
    }
  }
}, 120_000);

test("RFC 7644 §3.4.2 the unfiltered totalResults (kept count) equals the filtered COUNT and the live rows after every create, delete and PUT", () => {
  expect(observations).toHaveLength(STEPS * tenants.length * 2);
  for (const { seen, expected } of observations) expect(seen).toEqual(expected);
  // The sequence must have exercised every kind of write, or the comparison proves less than it says.
  for (const t of tenants) expect(t.deletedUsers.length * t.deletedGroups.length * t.users.size * t.groups.size).toBeGreaterThan(0);
});

describe("RFC 7644 §3.4.2.3 name.familyName after PUTs: its key is kept with the name", () => {
  const ordered = (t: Tenant, descending: boolean) => {
    const entries = [...t.users].map(([id, u]) => ({ id, key: u.familyName?.toLowerCase() }));
    const present = entries.filter((e) => e.key !== undefined);
    const missing = entries.filter((e) => e.key === undefined);
    const sign = descending ? -1 : 1;
    present.sort((a, b) => sign * (a.key! < b.key! ? -1 : a.key! > b.key! ? 1 : a.id < b.id ? -1 : 1));
    missing.sort((a, b) => sign * (a.id < b.id ? -1 : 1));
    return [...present, ...missing].map((e) => e.id);
  };
  const ids = async (t: Tenant, query: string) => {
    const res = await t.scim("get", `/Users?${query}`);
    await expectStatus(res, 200, query);
    return res.body.Resources.map((r: { id: string }) => r.id) as string[];
  };

  test("sortBy=name.familyName is case-insensitive with missing values last, ascending and descending, paged stably", async () => {
    for (const t of tenants) {
      expect(await ids(t, "sortBy=name.familyName&count=1000")).toEqual(ordered(t, false));
      expect(await ids(t, "sortBy=name.familyName&sortOrder=descending&count=1000")).toEqual(ordered(t, true));
      const paged: string[] = [];
      for (let start = 1; start <= t.users.size; start += 3) paged.push(...(await ids(t, `sortBy=name.familyName&startIndex=${start}&count=3`)));
      expect(paged).toEqual(ordered(t, false));
    }
  });

  test("name.familyName eq and sw match case-insensitively (caseExact false)", async () => {
    for (const t of tenants) {
      const withName = (test: (key: string) => boolean) =>
        [...t.users]
          .filter(([, u]) => u.familyName !== undefined && test(u.familyName.toLowerCase()))
          .map(([id]) => id)
          .sort();
      const filtered = async (filter: string) => (await ids(t, `filter=${encodeURIComponent(filter)}&count=1000`)).sort();
      expect(await filtered('name.familyName eq "ADAMS"')).toEqual(withName((k) => k === "adams"));
      expect(await filtered('name.familyName sw "bA"')).toEqual(withName((k) => k.startsWith("ba")));
      expect(await filtered("name.familyName pr")).toEqual(withName(() => true));
    }
  });
});
