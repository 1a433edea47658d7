/**
 * Offboarding jumps the line (issue 10, "priority"): a SCIM PATCH active:false and a SCIM DELETE mark
 * the user with priority 0, every other write with 1, and a claim takes priority 0 first whatever the
 * due times. A pending item keeps the most urgent priority of its marks. Each mark carries the SCIM
 * request's X-Request-Id as the correlation id of the GitLab calls to come.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import * as queue from "../../src/reconcile/queue";
import { createGroup, createUser, PATCH_OP, scimClient, type ScimClient } from "../scim/scim-client";

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge.close());

const POLICY = queue.DEFAULT_RETRY_POLICY;
const runner = () => bridge.db.direct;
const item = (id: string, subjectType: "user" | "group" = "user") => queue.findItem(runner(), { subjectType, subjectId: id });
const deactivate = (id: string) => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
const rename = (id: string, displayName: string) => scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: displayName }] });

/** Takes everything due so that each test starts from an empty line. */
async function drain(): Promise<void> {
  for (const c of await queue.claim(runner(), { claimedBy: "drain", limit: 10_000, leaseMs: 60_000 }, POLICY, new Date(Date.now() + 60_000))) {
    await queue.complete(runner(), c, new Date());
  }
}

test("a create and a profile change are priority 1; active:false and DELETE are priority 0, with the request id", async () => {
  const user = await createUser(scim, "prio-a");
  expect(await item(user.id)).toMatchObject({ priority: 1 });
  await drain();
  const renamed = await rename(user.id, "A");
  expect(await item(user.id)).toMatchObject({ priority: 1, requestId: renamed.headers["x-request-id"] });
  await drain();
  const res = await deactivate(user.id);
  expect(await item(user.id)).toMatchObject({ priority: 0, requestId: res.headers["x-request-id"] });
  await drain();
  const other = await createUser(scim, "prio-b");
  await drain();
  const deleted = await scim("delete", `/Users/${other.id}`);
  expect(deleted.status).toBe(204);
  expect(await item(other.id)).toMatchObject({ priority: 0, requestId: deleted.headers["x-request-id"] });
  await drain();
});

test("a pending offboarding keeps priority 0 through a later profile change; once done, a new mark sets its own", async () => {
  const user = await createUser(scim, "prio-c");
  await drain();
  await deactivate(user.id);
  const later = await rename(user.id, "C");
  expect(await item(user.id)).toMatchObject({ state: "pending", priority: 0, requestId: later.headers["x-request-id"] });
  await drain();
  await rename(user.id, "C again");
  expect(await item(user.id)).toMatchObject({ priority: 1 });
  await drain();
});

test("a change to a user that is already inactive is no offboarding (priority 1)", async () => {
  const user = await createUser(scim, "prio-d", { active: false });
  await drain();
  await rename(user.id, "D");
  expect(await item(user.id)).toMatchObject({ priority: 1 });
  await drain();
});

test("the claim takes offboardings first, then due order: a leaver marked after 20 creates is claimed first", async () => {
  await drain();
  const leaver = await createUser(scim, "prio-leaver");
  const group = await createGroup(scim, "prio-group", [leaver.id]);
  const created = [];
  for (let i = 0; i < 20; i++) created.push((await createUser(scim, `prio-bulk-${i}`)).id);
  await deactivate(leaver.id);
  const first = await queue.claim(runner(), { claimedBy: "w1", limit: 1, leaseMs: 60_000 }, POLICY, new Date(Date.now() + 60_000));
  expect(first.map((c) => c.subjectId)).toEqual([leaver.id]);
  expect(first[0]).toMatchObject({ priority: 0 });
  const rest = await queue.claim(runner(), { claimedBy: "w1", limit: 100, leaseMs: 60_000 }, POLICY, new Date(Date.now() + 60_000));
  // The rest in due order: the group (marked before the bulk), then the creates as they came.
  expect(rest.map((c) => c.subjectId).sort()).toEqual([group.id, ...created].sort());
  for (const c of [...first, ...rest]) await queue.complete(runner(), c, new Date());
});
