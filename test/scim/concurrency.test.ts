/**
 * The one concurrency rule (src/scim/http/version-rule.ts), for users and groups alike: no PATCH
 * without If-Match loses a concurrent update; one with If-Match never overwrites a version it did not
 * see (RFC 7644 §3.14, RFC 7232 §3.1). Deterministic: requests are held at a gate right after their
 * read (around the real stores, handed to the app like any store), or run in a bounded crowd whose
 * every interleaving must end in the same final state.
 */
import type { GroupStore } from "../../src/provisioning/group-store";
import type { UserStore } from "../../src/provisioning/user-store";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, PATCH_OP, scimClient, type ScimClient } from "./scim-client";

/** Holds every caller of `pass` while closed; `arrivals(n)` resolves once n callers are held. */
class Gate {
  private held: Array<() => void> = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private closed = false;

  close(): void {
    this.closed = true;
  }

  async pass(): Promise<void> {
    if (!this.closed) return;
    await new Promise<void>((resolve) => {
      this.held.push(resolve);
      for (const w of this.waiters.filter((w) => this.held.length >= w.n)) w.resolve();
    });
  }

  arrivals(n: number): Promise<void> {
    return this.held.length >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }

  open(): void {
    this.closed = false;
    for (const release of this.held.splice(0)) release();
    this.waiters = [];
  }
}

const afterRead = new Gate();

function gatedUsers(users: UserStore): UserStore {
  return { ...users, find: async (...args) => { const found = await users.find(...args); await afterRead.pass(); return found; } };
}

function gatedGroups(groups: GroupStore): GroupStore {
  return { ...groups, find: async (...args) => { const found = await groups.find(...args); await afterRead.pass(); return found; } };
}

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge({ wrapStores: (stores) => ({ users: gatedUsers(stores.users), groups: gatedGroups(stores.groups) }) });
  scim = scimClient(bridge);
});
afterEach(() => afterRead.open());
afterAll(() => bridge.close());

const patch = (path: string, Operations: unknown[], headers: Record<string, string> = {}) => scim("patch", path, { schemas: [PATCH_OP], Operations }, headers);

test("two group PATCHes read the same version (displayName, externalId): neither update is lost", async () => {
  const group = await createGroup(scim, "Race");
  afterRead.close();
  const rename = patch(`/Groups/${group.id}`, [{ op: "replace", path: "displayName", value: "Renamed" }]).then((r) => r);
  const reexternal = patch(`/Groups/${group.id}`, [{ op: "replace", path: "externalId", value: "ext-1" }]).then((r) => r);
  await afterRead.arrivals(2); // both have read version 1
  afterRead.open();
  const [a, b] = await Promise.all([rename, reexternal]);
  expect([a.status, b.status]).toEqual([200, 200]);
  const read = await scim("get", `/Groups/${group.id}`);
  expect(read.body).toMatchObject({ displayName: "Renamed", externalId: "ext-1", meta: { version: 'W/"3"' } });
});

test("a member add lands between a group PATCH's read and its write: the PATCH is re-applied, the member stays", async () => {
  const [user, group] = [await createUser(scim, "late.member"), await createGroup(scim, "Between")];
  afterRead.close();
  const rename = patch(`/Groups/${group.id}`, [{ op: "replace", path: "displayName", value: "Between v2" }]).then((r) => r);
  await afterRead.arrivals(1);
  // The member push needs no read: it passes the closed gate and writes version 2.
  const add = await patch(`/Groups/${group.id}`, [{ op: "add", path: "members", value: [{ value: user.id }] }]);
  expect(add.body.meta.version).toBe('W/"2"');
  afterRead.open();
  expect((await rename).status).toBe(200);
  const read = await scim("get", `/Groups/${group.id}`);
  expect(read.body).toMatchObject({ displayName: "Between v2", members: [{ value: user.id }], meta: { version: 'W/"3"' } });
});

test("two user PATCHes read the same version (displayName, title): neither update is lost", async () => {
  const user = await createUser(scim, "raced.user");
  afterRead.close();
  const first = patch(`/Users/${user.id}`, [{ op: "replace", path: "displayName", value: "Raced" }]).then((r) => r);
  const second = patch(`/Users/${user.id}`, [{ op: "replace", path: "title", value: "Engineer" }]).then((r) => r);
  await afterRead.arrivals(2);
  afterRead.open();
  expect([(await first).status, (await second).status]).toEqual([200, 200]);
  const read = await scim("get", `/Users/${user.id}`);
  expect(read.body).toMatchObject({ displayName: "Raced", title: "Engineer", meta: { version: 'W/"3"' } });
});

test("RFC 7232 §3.1 a PATCH pinned by If-Match whose version moves after its read answers 412 and writes nothing", async () => {
  const group = await createGroup(scim, "Pinned");
  afterRead.close();
  const pinned = patch(`/Groups/${group.id}`, [{ op: "replace", path: "displayName", value: "Pinned v2" }], { "If-Match": 'W/"1"' }).then((r) => r);
  await afterRead.arrivals(1);
  const other = await patch(`/Groups/${group.id}`, [{ op: "add", path: "members", value: [{ value: (await createUser(scim, "pin.member")).id }] }]);
  expect(other.status).toBe(200);
  afterRead.open();
  const res = await pinned;
  expect(res.status).toBe(412);
  expect((await scim("get", `/Groups/${group.id}`)).body).toMatchObject({ displayName: "Pinned", meta: { version: 'W/"2"' } });
});

test("a crowd of group PATCHes at once (8 member adds, a rename, an externalId): every one lands", async () => {
  const users = [];
  for (let n = 0; n < 8; n++) users.push(await createUser(scim, `crowd.${n}`));
  const group = await createGroup(scim, "Crowd");
  const results = await Promise.all([
    ...users.map((u) => patch(`/Groups/${group.id}`, [{ op: "add", path: "members", value: [{ value: u.id }] }])),
    patch(`/Groups/${group.id}`, [{ op: "replace", path: "displayName", value: "Crowd v2" }]),
    patch(`/Groups/${group.id}`, [{ op: "replace", path: "externalId", value: "crowd-ext" }]),
  ]);
  expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
  const read = await scim("get", `/Groups/${group.id}`);
  expect(read.body).toMatchObject({ displayName: "Crowd v2", externalId: "crowd-ext", meta: { version: `W/"${1 + results.length}"` } });
  expect(read.body.members.map((m: { value: string }) => m.value).sort()).toEqual(users.map((u) => u.id).sort());
});
