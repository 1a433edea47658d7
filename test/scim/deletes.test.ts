/**
 * RFC 7644 §3.6 DELETE as one statement: a user's delete tombstones it, ends its memberships, moves the
 * groups' versions (their members changed), writes one audit event and marks the user and the groups
 * for reconciliation, all stamped with the same clock; a group's delete moves its former members'
 * versions. A failure anywhere in the statement leaves everything as it was.
 */
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createGroup, createUser, scimClient, snapshotStore, type ScimClient } from "./scim-client";

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge.close());

const generation = async (subjectType: string, subjectId: string) =>
  (await bridge.db.prisma.reconcileItem.findUnique({ where: { subjectType_subjectId: { subjectType, subjectId } } }))?.generation;

test("RFC 7644 §3.6 DELETE /Users/{id}: memberships end, the groups' versions move, one audit event, user and groups marked", async () => {
  const leaver = await createUser(scim, "leaver.delete");
  const stayer = await createUser(scim, "stayer.delete");
  const a = await createGroup(scim, "Delete A", [leaver.id, stayer.id]);
  const b = await createGroup(scim, "Delete B", [leaver.id]);
  const untouched = await createGroup(scim, "Delete C", [stayer.id]);
  const marksBefore = { user: await generation("user", leaver.id), a: await generation("group", a.id), b: await generation("group", b.id) };

  expect((await scim("delete", `/Users/${leaver.id}`)).status).toBe(204);

  expect((await scim("get", `/Users/${leaver.id}`)).status).toBe(404);
  const [readA, readB, readC] = await Promise.all([a, b, untouched].map((g) => scim("get", `/Groups/${g.id}`)));
  expect(readA.body).toMatchObject({ members: [{ value: stayer.id }], meta: { version: 'W/"2"' } });
  expect(readB.body.members).toEqual([]);
  expect(readB.body.meta.version).toBe('W/"2"');
  expect(readC.body.meta.version).toBe('W/"1"');
  const events = await bridge.db.prisma.auditEvent.findMany({ where: { subjectId: leaver.id, action: "scim.user.deleted" } });
  expect(events).toHaveLength(1);
  expect(events[0].details).toEqual({ userName: "leaver.delete", removedFromGroups: [a.id, b.id].sort() });
  // One statement, one clock: the groups' lastModified is the event's time.
  expect(readA.body.meta.lastModified).toBe(events[0].at.toISOString());
  expect(readB.body.meta.lastModified).toBe(events[0].at.toISOString());
  expect(await generation("user", leaver.id)).toBe(marksBefore.user! + 1);
  expect(await generation("group", a.id)).toBe(marksBefore.a! + 1);
  expect(await generation("group", b.id)).toBe(marksBefore.b! + 1);
  expect(await bridge.db.prisma.scimGroupMember.count({ where: { userId: leaver.id } })).toBe(0);
});

test("RFC 7644 §3.6 DELETE /Groups/{id}: the former members' versions move (their groups changed), one audit event, group marked", async () => {
  const member = await createUser(scim, "member.of.deleted");
  const group = await createGroup(scim, "Doomed", [member.id]);
  const memberVersion = (await scim("get", `/Users/${member.id}`)).body.meta.version;
  expect((await scim("delete", `/Groups/${group.id}`)).status).toBe(204);
  expect((await scim("get", `/Groups/${group.id}`)).status).toBe(404);
  const read = await scim("get", `/Users/${member.id}`);
  expect(read.body.groups).toBeUndefined();
  expect(read.body.meta.version).not.toBe(memberVersion);
  const events = await bridge.db.prisma.auditEvent.findMany({ where: { subjectId: group.id, action: "scim.group.deleted" } });
  expect(events.map((e) => e.details)).toEqual([{ displayName: "Doomed", externalId: null, added: [], removed: [member.id] }]);
  expect(await generation("group", group.id)).toBe(2);
});

test("RFC 7644 §3.14 DELETE with a stale If-Match answers 412 and deletes nothing; a second DELETE answers 404", async () => {
  const user = await createUser(scim, "pinned.delete");
  await scim("patch", `/Users/${user.id}`, { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", path: "title", value: "x" }] });
  expect((await scim("delete", `/Users/${user.id}`, undefined, { "If-Match": 'W/"1"' })).status).toBe(412);
  expect((await scim("get", `/Users/${user.id}`)).status).toBe(200);
  expect((await scim("delete", `/Users/${user.id}`, undefined, { "If-Match": 'W/"2"' })).status).toBe(204);
  expect((await scim("delete", `/Users/${user.id}`)).status).toBe(404);
});

test("a user DELETE that fails in its last step (the groups' reconcile mark) leaves user, memberships, versions, audit and marks as they were", async () => {
  const user = await createUser(scim, "atomic.delete");
  await createGroup(scim, "Atomic", [user.id]);
  // Provoked inside the database: the mark of a group is refused, after every other part of the statement ran.
  await bridge.db.sql.exec(`CREATE FUNCTION refuse_group_mark() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW."subjectType" = 'group' THEN RAISE EXCEPTION 'provoked failure'; END IF; RETURN NEW; END $$;
    CREATE TRIGGER refuse_group_mark BEFORE INSERT OR UPDATE ON "ReconcileItem" FOR EACH ROW EXECUTE FUNCTION refuse_group_mark();`);
  try {
    const before = await snapshotStore(bridge);
    expect((await scim("delete", `/Users/${user.id}`)).status).toBe(500);
    expect(await snapshotStore(bridge)).toEqual(before);
  } finally {
    await bridge.db.sql.exec(`DROP TRIGGER refuse_group_mark ON "ReconcileItem"; DROP FUNCTION refuse_group_mark();`);
  }
  expect((await scim("delete", `/Users/${user.id}`)).status).toBe(204);
});
