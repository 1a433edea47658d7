/**
 * Issue 11 items 1 and 5 over HTTP against the emulator: mapping rules turn SCIM group members into
 * GitLab group memberships (several-to-several, the highest level wins), rule changes move levels up
 * and down, members leaving a SCIM group lose the membership the bridge made, and a leaver with
 * removeMemberships loses subgroup memberships too (skip_subresources=false, contract §4.4) until
 * reactivation restores them. Each test has its own GitLab groups and SCIM groups.
 */
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { addMapping, markTarget, targetAudit, targetOf, updateMapping } from "../helpers/group-mappings";
import { PATCH_OP, scimClient, type ScimClient } from "../scim/scim-client";
import { callLines, gitlabCalls, lastSeq } from "./helpers/gitlab-view";
import { gitlabMembers, levelsOf, linkedUsers, patchMembers, scimGroup, seedGroup, unique } from "./helpers/memberships";

let bridge: ReconcilingBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge?.close());

const DEVELOPER = 30;
const MAINTAINER = 40;
const REPORTER = 20;

test("issue 11 item 1: several SCIM groups to several GitLab groups, the highest level any rule grants wins; adds batched per level (contract §4.2 user_id=1,2,3)", async () => {
  const [a, b, c] = await linkedUsers(bridge, scim, 3);
  const dev = unique("Dev ");
  const ops = unique("Ops ");
  await scimGroup(scim, dev, [a, b]);
  await scimGroup(scim, ops, [b, c]);
  const g1 = await seedGroup(bridge);
  const g2 = await seedGroup(bridge);
  const since = await lastSeq(bridge);
  const { targetId: t1 } = await addMapping(bridge, { scimGroup: { displayName: dev }, gitlabGroup: g1, accessLevel: DEVELOPER });
  await addMapping(bridge, { scimGroup: { displayName: ops }, gitlabGroup: g1, accessLevel: MAINTAINER });
  const { targetId: t2 } = await addMapping(bridge, { scimGroup: { displayName: dev.toUpperCase() }, gitlabGroup: g2, accessLevel: REPORTER });
  await bridge.quiet();
  expect(await levelsOf(bridge, g1)).toEqual({ [a.gitlabId]: DEVELOPER, [b.gitlabId]: MAINTAINER, [c.gitlabId]: MAINTAINER });
  expect(await levelsOf(bridge, g2)).toEqual({ [a.gitlabId]: REPORTER, [b.gitlabId]: REPORTER });
  const posts = (await gitlabCalls(bridge, since)).filter((r) => r.method === "POST");
  expect(posts).toHaveLength(3); // g1: one at developer (a), one batch at maintainer (b, c); g2: one batch
  expect(await targetOf(bridge, t1)).toMatchObject({ syncState: "synced", lastError: null, gitlabGroupId: expect.any(Number) });
  expect((await targetOf(bridge, t1)).memberships.map((m) => [m.gitlabUserId, m.accessLevel, m.origin]).sort()).toEqual(
    [[a.gitlabId, DEVELOPER, "created"], [b.gitlabId, MAINTAINER, "created"], [c.gitlabId, MAINTAINER, "created"]].sort(),
  );
  const actions = (await targetAudit(bridge, t2)).map((e) => e.action);
  expect(actions).toEqual(["gitlab.call", "gitlab.group.resolved", "gitlab.call", "gitlab.call", "gitlab.membership.added", "gitlab.membership.added"]);
  // A pass with nothing to change makes no call.
  const quiet = await lastSeq(bridge);
  await markTarget(bridge, t1);
  await bridge.quiet();
  expect(callLines(await gitlabCalls(bridge, quiet))).toEqual([]);
});

test("issue 11 item 1: a rule's level changed up then down moves the members' levels (PUT), and an expiry rule sets expires_at", async () => {
  const [a, b] = await linkedUsers(bridge, scim, 2);
  const name = unique("Team ");
  await scimGroup(scim, name, [a, b]);
  const g = await seedGroup(bridge);
  const { mappingId, targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER, [b.gitlabId]: DEVELOPER });
  const since = await lastSeq(bridge);
  await updateMapping(bridge, mappingId, { accessLevel: MAINTAINER });
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: MAINTAINER, [b.gitlabId]: MAINTAINER });
  expect(callLines(await gitlabCalls(bridge, since)).sort()).toEqual([`PUT /api/v4/groups/${(await targetOf(bridge, targetId)).gitlabGroupId}/members/${a.gitlabId}`, `PUT /api/v4/groups/${(await targetOf(bridge, targetId)).gitlabGroupId}/members/${b.gitlabId}`].sort());
  await updateMapping(bridge, mappingId, { accessLevel: REPORTER, expiresInDays: 30 });
  await bridge.quiet();
  const members = await gitlabMembers(bridge, g);
  const expected = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  expect(members.get(a.gitlabId)).toEqual({ accessLevel: REPORTER, expiresAt: expected });
  expect((await targetOf(bridge, targetId)).memberships.every((m) => m.accessLevel === REPORTER)).toBe(true);

  // The rule's days change: every member's expiry is set again from today (one PUT each, contract §4.2).
  const daysChanged = await lastSeq(bridge);
  await updateMapping(bridge, mappingId, { expiresInDays: 90 });
  await bridge.quiet();
  const later = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
  expect(Object.fromEntries(await gitlabMembers(bridge, g))).toEqual({ [a.gitlabId]: { accessLevel: REPORTER, expiresAt: later }, [b.gitlabId]: { accessLevel: REPORTER, expiresAt: later } });
  expect(callLines(await gitlabCalls(bridge, daysChanged)).filter((line) => line.startsWith("PUT "))).toHaveLength(2);
  // Passing days change nothing: a pass with the same rule makes no call.
  const unchanged = await lastSeq(bridge);
  await markTarget(bridge, targetId);
  await bridge.quiet();
  expect(callLines(await gitlabCalls(bridge, unchanged))).toEqual([]);
});

test("a member who leaves the SCIM group loses the membership the bridge made (skip_subresources=true: only that membership)", async () => {
  const [a, b] = await linkedUsers(bridge, scim, 2);
  const name = unique("Leavers ");
  const groupId = await scimGroup(scim, name, [a, b]);
  const g = await seedGroup(bridge);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  const since = await lastSeq(bridge);
  // The SCIM group's pass marks its GitLab group; that pass removes the membership.
  await patchMembers(scim, groupId, "remove", [b]);
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER });
  const calls = await gitlabCalls(bridge, since);
  expect(calls.map((c) => `${c.method} ${c.path}?${new URLSearchParams(c.query).toString()}`)).toEqual([`DELETE /api/v4/groups/${(await targetOf(bridge, targetId)).gitlabGroupId}/members/${b.gitlabId}?skip_subresources=true`]);
  expect((await targetAudit(bridge, targetId, "gitlab.membership.removed"))[0].details).toMatchObject({ gitlabUserId: b.gitlabId, managed: true, cascade: false });
});

test("issue 11 item 5: a leaver with removeMemberships loses the managed membership and its subgroup memberships (skip_subresources=false); reactivation restores it", async () => {
  const name = unique("conn-");
  const created = await bridge.addConnection(name);
  await bridge.updateSettings({ removeMemberships: true }, name);
  const own = scimClient(bridge, created.token);
  const [a, b] = await linkedUsers(bridge, own, 2);
  const display = unique("Cascade ");
  await scimGroup(own, display, [a, b]);
  const g = await seedGroup(bridge, { subgroups: ["sub"] });
  const { targetId } = await addMapping(bridge, { connectionId: created.id, scimGroup: { displayName: display }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  // Someone gave the user a subgroup membership too.
  const sub = (await fetch(`${bridge.emulator.url}/api/v4/groups/${encodeURIComponent(`${g}/sub`)}`, { headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken } }).then((r) => r.json())) as { id: number };
  const added = await fetch(`${bridge.emulator.url}/api/v4/groups/${sub.id}/members`, { method: "POST", headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken, "Content-Type": "application/json" }, body: JSON.stringify({ user_id: a.gitlabId, access_level: MAINTAINER }) });
  expect(added.status).toBe(201);
  const res = await own("patch", `/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
  expect(res.status).toBe(200);
  await bridge.quiet();
  await markTarget(bridge, targetId, { connectionId: created.id }); // part D's user pass will mark it
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [b.gitlabId]: DEVELOPER });
  expect(await levelsOf(bridge, `${g}/sub`)).toEqual({});
  expect((await targetAudit(bridge, targetId, "gitlab.membership.removed"))[0].details).toMatchObject({ gitlabUserId: a.gitlabId, cascade: true });
  await own("patch", `/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: true }] });
  await bridge.quiet();
  await markTarget(bridge, targetId, { connectionId: created.id });
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER, [b.gitlabId]: DEVELOPER });
});

test("without removeMemberships (deprovision block) a leaver keeps the membership: GitLab keeps a blocked user's memberships", async () => {
  const [a] = await linkedUsers(bridge, scim, 1);
  const name = unique("Keep ");
  await scimGroup(scim, name, [a]);
  const g = await seedGroup(bridge);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  await scim("patch", `/Users/${a.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
  await bridge.quiet();
  await markTarget(bridge, targetId);
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER });
});

test("a rule whose GitLab group does not exist parks the target as failed with a sentence (contract §3: 404 Group Not Found)", async () => {
  const name = unique("Ghost ");
  const [a] = await linkedUsers(bridge, scim, 1);
  await scimGroup(scim, name, [a]);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: "acme/does-not-exist", accessLevel: DEVELOPER });
  await bridge.quiet();
  expect(await targetOf(bridge, targetId)).toMatchObject({ syncState: "failed", lastError: "GitLab group acme/does-not-exist does not exist or the token cannot see it", gitlabGroupId: null });
  const item = await bridge.db.prisma.reconcileItem.findFirstOrThrow({ where: { subjectType: "gitlab_group", subjectId: targetId } });
  expect(item.state).toBe("parked");
});

test("a GitLab group deleted and made again at its path (new id): 404 Group Not Found forgets the old id and its memberships, the path is resolved again and the members added there (contract §3, §4.2)", async () => {
  const [a, b, c] = await linkedUsers(bridge, scim, 3);
  const name = unique("Remade ");
  const groupId = await scimGroup(scim, name, [a, b]);
  const g = await seedGroup(bridge);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  const old = bridge.emulator.state.findGroupByFullPath(g)!;
  expect((await targetOf(bridge, targetId)).gitlabGroupId).toBe(old.id);

  // An admin deletes the group (after GitLab's deletion delay) and makes a new one at the same path.
  bridge.emulator.state.removeGroup(old);
  bridge.emulator.seed({ groups: [{ path: g }] });
  const remade = bridge.emulator.state.findGroupByFullPath(g)!;
  // The next change (a new member) finds the group gone.
  const since = await lastSeq(bridge);
  await patchMembers(scim, groupId, "add", [c]);
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER, [b.gitlabId]: DEVELOPER, [c.gitlabId]: DEVELOPER });
  const calls = await gitlabCalls(bridge, since);
  expect(calls.map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual([
    `GET /api/v4/groups/${old.id}/members 404`,
    `GET /api/v4/groups/${g} 200`,
    `GET /api/v4/groups/${remade.id}/members 200`,
    `POST /api/v4/groups/${remade.id}/members 201`,
  ]);
  const target = await targetOf(bridge, targetId);
  expect(target).toMatchObject({ gitlabGroupId: remade.id, syncState: "synced", lastError: null });
  expect(target.memberships.map((m) => m.gitlabUserId).sort()).toEqual([a.gitlabId, b.gitlabId, c.gitlabId].sort());
  const gone = await targetAudit(bridge, targetId, "gitlab.group.");
  expect(gone.map((e) => e.action)).toEqual(["gitlab.group.resolved", "gitlab.group.gone", "gitlab.group.resolved"]);
  expect(gone[1].details).toMatchObject({ gitlabGroupId: old.id, fullPath: g, forgottenMemberships: expect.arrayContaining([a.gitlabId, b.gitlabId]) });
});

test("a GitLab group deleted and not made again: the target parks with a clear error, and is resolved once it exists again (contract §3)", async () => {
  const [a] = await linkedUsers(bridge, scim, 1);
  const name = unique("Deleted ");
  await scimGroup(scim, name, [a]);
  const g = await seedGroup(bridge);
  const { targetId } = await addMapping(bridge, { scimGroup: { displayName: name }, gitlabGroup: g, accessLevel: DEVELOPER });
  await bridge.quiet();
  bridge.emulator.state.removeGroup(bridge.emulator.state.findGroupByFullPath(g)!);
  await markTarget(bridge, targetId, { full: true });
  await bridge.quiet();
  const [item] = await bridge.db.direct.query<{ state: string; lastError: string }>(`SELECT "state"::text AS "state", "lastError" FROM "ReconcileItem" WHERE "subjectType" = 'gitlab_group' AND "subjectId" = $1::uuid`, [targetId]);
  expect(item).toEqual({ state: "parked", lastError: `GitLab group ${g} does not exist or the token cannot see it` });
  expect(await targetOf(bridge, targetId)).toMatchObject({ gitlabGroupId: null, memberships: [] });

  bridge.emulator.seed({ groups: [{ path: g }] });
  await markTarget(bridge, targetId);
  await bridge.quiet();
  expect(await levelsOf(bridge, g)).toEqual({ [a.gitlabId]: DEVELOPER });
  expect(await targetOf(bridge, targetId)).toMatchObject({ gitlabGroupId: bridge.emulator.state.findGroupByFullPath(g)!.id, syncState: "synced" });
});
