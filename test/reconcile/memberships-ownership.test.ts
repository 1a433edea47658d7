/**
 * Issue 11 items 3 and 6 over HTTP against the emulator: the bridge changes only the memberships it
 * manages. Hand-made members are kept and reported as unmanaged on a full pass (removed when a rule is
 * authoritative); a membership the bridge would make that exists by hand is adopted at the same level,
 * reported at another; GitLab's refusals — a higher level inherited from the parent (contract §4.3
 * rule 4), the last owner (§4.4) — are reported conflicts, not retry loops; a batch add whose 201 body
 * says "status":"error" (§4.3, §9.12) falls back to single adds that find the culprit; a full pass
 * repairs managed drift (re-adds a removed member, puts a changed level back).
 */
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { addMapping, markTarget, targetAudit, targetOf, updateMapping } from "../helpers/group-mappings";
import { scimClient, type ScimClient } from "../scim/scim-client";
import { callLines, gitlabCalls, lastSeq } from "./helpers/gitlab-view";
import { levelsOf, linkedUsers, patchMembers, scimGroup, seedGroup, unique } from "./helpers/memberships";

let bridge: ReconcilingBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge?.close());

const REPORTER = 20;
const DEVELOPER = 30;
const MAINTAINER = 40;
const OWNER = 50;

/** GitLab's API as an admin would use it by hand (not the bridge). */
async function byHand(method: string, path: string, body?: unknown): Promise<number> {
  const res = await fetch(`${bridge.emulator.url}/api/v4${path}`, { method, headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  await res.text();
  return res.status;
}

async function groupId(fullPath: string): Promise<number> {
  const res = await fetch(`${bridge.emulator.url}/api/v4/groups/${encodeURIComponent(fullPath)}`, { headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken } });
  return ((await res.json()) as { id: number }).id;
}

test("issue 11 item 6: a full pass re-adds a managed member removed by hand, puts a changed level back, and reports hand-added members as unmanaged, leaving them", async () => {
  const [a, b, hand] = await linkedUsers(bridge, scim, 3);
  const name = unique("Drift ");
  await scimGroup(scim, name, [a, b]);
  const g = await seedGroup(bridge);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  const id = await groupId(g);
  expect(await byHand("DELETE", `/groups/${id}/members/${a.gitlabId}`)).toBe(204);
  expect(await byHand("PUT", `/groups/${id}/members/${b.gitlabId}`, { access_level: MAINTAINER })).toBe(200);
  expect(await byHand("POST", `/groups/${id}/members`, { user_id: hand.gitlabId, access_level: REPORTER })).toBe(201);
  // A normal pass trusts its records: nothing changes.
  await markTarget(bridge, targetId);
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [b.gitlabId]: MAINTAINER, [hand.gitlabId]: REPORTER });
  const since = await lastSeq(bridge);
  await markTarget(bridge, targetId, { full: true });
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER, [b.gitlabId]: DEVELOPER, [hand.gitlabId]: REPORTER });
  expect(callLines(await gitlabCalls(bridge, since))).toEqual([`GET /api/v4/groups/${id}/members`, `POST /api/v4/groups/${id}/members`, `PUT /api/v4/groups/${id}/members/${b.gitlabId}`]);
  const target = await targetOf(bridge, targetId);
  expect(target).toMatchObject({ syncState: "synced", unmanagedMembers: 1, lastFullPassAt: expect.any(Date) });
  const audit = await targetAudit(bridge, targetId);
  expect(audit.filter((e) => e.action === "gitlab.drift.membership").map((e) => e.details)).toEqual(
    expect.arrayContaining([expect.objectContaining({ gitlabUserId: a.gitlabId, kind: "missing" }), expect.objectContaining({ gitlabUserId: b.gitlabId, kind: "level", applied: DEVELOPER, observed: MAINTAINER })]),
  );
  expect(audit.filter((e) => e.action === "gitlab.membership.unmanaged").map((e) => e.details)).toEqual([expect.objectContaining({ count: 1, gitlabUserIds: [hand.gitlabId] })]);
  // The item's full flag was answered: the next mark is a normal pass again.
  const item = await bridge.db.prisma.reconcileItem.findFirstOrThrow({ where: { subjectType: "gitlab_group", subjectId: targetId } });
  expect(item.full).toBe(false);
});

test("issue 11 item 3: an authoritative rule removes hand-added members on a full pass (skip_subresources=true), and corrects a hand-made level of a desired member", async () => {
  const [a, b, hand] = await linkedUsers(bridge, scim, 3);
  const name = unique("Strict ");
  await scimGroup(scim, name, [a, b]);
  const g = await seedGroup(bridge, { members: [{ userId: hand.gitlabId, accessLevel: REPORTER }, { userId: b.gitlabId, accessLevel: MAINTAINER }] });
  const { targetId, mappingId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  expect(await targetOf(bridge, targetId)).toMatchObject({ syncState: "conflict" });
  await updateMapping(bridge, mappingId, { authoritative: true });
  await markTarget(bridge, targetId, { full: true });
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER, [b.gitlabId]: DEVELOPER });
  const target = await targetOf(bridge, targetId);
  expect(target).toMatchObject({ syncState: "synced", lastError: null, conflicts: [] });
  expect(target.memberships.find((m) => m.gitlabUserId === b.gitlabId)).toMatchObject({ origin: "adopted", accessLevel: DEVELOPER });
  expect((await targetAudit(bridge, targetId, "gitlab.membership.removed")).map((e) => e.details)).toEqual([expect.objectContaining({ gitlabUserId: hand.gitlabId, managed: false, cascade: false })]);
});

test("issue 11 item 3: a hand-made membership at the rule's level is adopted; at another level it is a level_mismatch conflict, cleared once fixed by hand", async () => {
  const [same, other] = await linkedUsers(bridge, scim, 2);
  const name = unique("Adopt ");
  await scimGroup(scim, name, [same, other]);
  const g = await seedGroup(bridge, { members: [{ userId: same.gitlabId, accessLevel: DEVELOPER }, { userId: other.gitlabId, accessLevel: REPORTER }] });
  const id = await groupId(g);
  const since = await lastSeq(bridge);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  // Observed first (a multi-user add would change the hand-made level, contract Addenda), then nothing written.
  // (The rule marks its GitLab group and the SCIM group it matches, whose pass marks it again: a second pass looks again.)
  const lines = callLines(await gitlabCalls(bridge, since));
  expect(lines.slice(0, 2)).toEqual([`GET /api/v4/groups/${encodeURIComponent(g)}`, `GET /api/v4/groups/${id}/members`]);
  expect(lines.filter((line) => !line.startsWith("GET "))).toEqual([]);
  expect(await levelsOf(bridge, g)).toEqual({ [same.gitlabId]: DEVELOPER, [other.gitlabId]: REPORTER });
  let target = await targetOf(bridge, targetId);
  expect(target.memberships.map((m) => [m.gitlabUserId, m.origin])).toEqual([[same.gitlabId, "adopted"]]);
  expect(target).toMatchObject({ syncState: "conflict", lastError: expect.stringMatching(/^1 membership in conflict: level_mismatch: /) });
  expect(target.conflicts).toEqual([expect.objectContaining({ gitlabUserId: other.gitlabId, kind: "level_mismatch", desiredLevel: DEVELOPER, observedLevel: REPORTER })]);
  const item = await bridge.db.prisma.reconcileItem.findFirstOrThrow({ where: { subjectType: "gitlab_group", subjectId: targetId } });
  expect(item.state).toBe("done"); // a conflict is for a person, not a retry loop
  expect(await byHand("PUT", `/groups/${id}/members/${other.gitlabId}`, { access_level: DEVELOPER })).toBe(200);
  await markTarget(bridge, targetId);
  await bridge.quiet();
  target = await targetOf(bridge, targetId);
  expect(target).toMatchObject({ syncState: "synced", lastError: null, conflicts: [] });
  expect(target.memberships.map((m) => [m.gitlabUserId, m.origin]).sort()).toEqual([[same.gitlabId, "adopted"], [other.gitlabId, "adopted"]].sort());
});

test("contract §4.3 rule 4: a batch add with an inherited-level user in it answers 201 status error; single adds find the culprit (inherited conflict), the others are added; later passes do not retry it", async () => {
  const [a, high, c] = await linkedUsers(bridge, scim, 3);
  const name = unique("Inherit ");
  await scimGroup(scim, name, [a, high, c]);
  const parent = await seedGroup(bridge, { members: [{ userId: high.gitlabId, accessLevel: MAINTAINER }], subgroups: ["team"] });
  const g = `${parent}/team`;
  const id = await groupId(g);
  const since = await lastSeq(bridge);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER, [c.gitlabId]: DEVELOPER });
  const posts = (await gitlabCalls(bridge, since)).filter((r) => r.method === "POST");
  expect(posts).toHaveLength(4); // the batch, then one single add per member
  const target = await targetOf(bridge, targetId);
  expect(target.memberships.map((m) => m.gitlabUserId).sort()).toEqual([a.gitlabId, c.gitlabId].sort());
  expect(target.conflicts).toEqual([expect.objectContaining({ gitlabUserId: high.gitlabId, kind: "inherited", desiredLevel: DEVELOPER, message: expect.stringContaining("inherited membership from group") })]);
  expect(target.syncState).toBe("conflict");
  const again = await lastSeq(bridge);
  await markTarget(bridge, targetId);
  await bridge.quiet();
  expect(callLines(await gitlabCalls(bridge, again))).toEqual([]);
  expect((await targetOf(bridge, targetId)).syncState).toBe("conflict");
});

test("contract §4.4: the last owner of a group is never removed (403): reported as a last_owner conflict, the managed record kept", async () => {
  const [owner] = await linkedUsers(bridge, scim, 1);
  const name = unique("Owners ");
  const scimId = await scimGroup(scim, name, [owner]);
  const g = await seedGroup(bridge);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: OWNER });
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [owner.gitlabId]: OWNER });
  await patchMembers(scim, scimId, "remove", [owner]);
  await markTarget(bridge, targetId);
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [owner.gitlabId]: OWNER });
  const target = await targetOf(bridge, targetId);
  expect(target).toMatchObject({ syncState: "conflict", lastError: expect.stringContaining("last owner") });
  expect(target.conflicts).toEqual([expect.objectContaining({ gitlabUserId: owner.gitlabId, kind: "last_owner" })]);
  expect(target.memberships.map((m) => m.gitlabUserId)).toEqual([owner.gitlabId]);
});
