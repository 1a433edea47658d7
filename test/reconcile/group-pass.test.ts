/**
 * Issue 11 part B end to end: mapping rules, the SCIM group pass (feeds and target marks), unmapped
 * groups' subgroups, and the SCIM Group extension, over real HTTP (SCIM in, the GitLab emulator out;
 * PGlite, and PostgreSQL with TEST_DATABASE_URL). The GitLab group (target) pass is part A's: these
 * tests check what the group pass hands it (ScimGroupFeed, the targets' reconcile marks) and GitLab's
 * side of the subgroups.
 */
import crypto from "node:crypto";
import { ACCESS_LEVELS } from "../../src/provisioning/access-levels";
import { subgroupDescription } from "../../src/provisioning/gitlab-group-path";
import { addMapping, removeMapping, updateMapping } from "../../src/provisioning/group-mappings";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { GROUP_SCHEMA, PATCH_OP, scimClient, userBody, type ScimClient } from "../scim/scim-client";
import { callLines, gitlabCalls, lastSeq } from "./helpers/gitlab-view";

const GITLAB_GROUP = "urn:ietf:params:scim:schemas:extension:gitlab:2.0:Group";

let bridge: ReconcilingBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startReconcilingBridge();
  scim = scimClient(bridge);
});
afterAll(() => bridge?.close());

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;

async function rule(connectionId: string, match: { displayName: string } | { externalId: string }, fullPath: string, access: keyof typeof ACCESS_LEVELS = "developer") {
  const m = await addMapping(
    bridge.db.direct,
    { connectionId, match: "displayName" in match ? { by: "displayName", displayName: match.displayName } : { by: "externalId", externalId: match.externalId }, fullPath, accessLevel: ACCESS_LEVELS[access], expiresInDays: null, authoritative: false },
    "test",
    new Date(),
  );
  await settled();
  return m;
}

/**
 * Wakes the workers and waits until nothing is due or running: a change made outside a SCIM request
 * (a rule) is not followed by the HTTP round trip that lets the woken worker start before quiet() looks.
 */
async function settled(timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  bridge.reconciler.workers.wake();
  for (;;) {
    await bridge.quiet();
    const [due] = await bridge.db.direct.query<{ n: number }>(
      `SELECT count(*)::int AS "n" FROM "ReconcileItem" WHERE "state" = 'claimed' OR ("state" = 'pending' AND "nextAttemptAt" <= now())`,
    );
    if (due.n === 0) return;
    if (Date.now() > deadline) throw new Error(`${due.n} reconcile items still due after ${timeoutMs} ms`);
    bridge.reconciler.workers.wake();
  }
}

/** The full paths a SCIM group feeds (ScimGroupFeed), sorted. */
async function feedsOf(scimGroupId: string): Promise<string[]> {
  const rows = await bridge.db.direct.query<{ fullPath: string }>(
    `SELECT t."fullPath" FROM "ScimGroupFeed" f JOIN "GitLabGroupTarget" t ON t."id" = f."targetId" WHERE f."scimGroupId" = $1::uuid ORDER BY t."fullPathKey"`,
    [scimGroupId],
  );
  return rows.map((r) => r.fullPath);
}

/** The reconcile generation of each target (by full path): it moves each time the target is marked. */
async function targetGenerations(connectionId: string): Promise<Record<string, number>> {
  const rows = await bridge.db.direct.query<{ fullPath: string; generation: number }>(
    `SELECT t."fullPath", i."generation" FROM "GitLabGroupTarget" t JOIN "ReconcileItem" i ON i."subjectType" = 'gitlab_group' AND i."subjectId" = t."id" WHERE t."connectionId" = $1::uuid`,
    [connectionId],
  );
  return Object.fromEntries(rows.map((r) => [r.fullPath, Number(r.generation)]));
}

async function groupEvents(scimGroupId: string) {
  const rows = await bridge.db.prisma.auditEvent.findMany({ where: { subjectType: "group", subjectId: scimGroupId, actor: "reconciler" }, orderBy: { id: "asc" } });
  return rows.map((r) => ({ action: r.action, details: r.details as Record<string, unknown> }));
}

async function step<T>(send: () => Promise<T>): Promise<T> {
  const res = await send();
  await bridge.quiet();
  return res;
}

describe("rules and the SCIM group pass", () => {
  test("issue 11 item 1: a rule written before the IdP pushes the group is matched on arrival (by displayName, case-insensitive)", async () => {
    const name = unique("Platform ");
    const path = unique("acme/platform-");
    await rule(bridge.connectionId, { displayName: name.toUpperCase() }, path);
    const before = await targetGenerations(bridge.connectionId);
    const user = await scim("post", "/Users", userBody(unique("u")));
    const created = await step(() => scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name, members: [{ value: user.body.id }] }));
    expect(created.status).toBe(201);
    expect(await feedsOf(created.body.id)).toEqual([path]);
    // The target was marked by the group's pass: its generation moved.
    expect((await targetGenerations(bridge.connectionId))[path]).toBeGreaterThan(before[path]);
    expect((await groupEvents(created.body.id)).map((e) => e.action)).toEqual(["gitlab.group.feeds_changed"]);
    expect((await groupEvents(created.body.id))[0].details).toEqual({ targets: [path], added: [path], removed: [] });
  });

  test("a rule by externalId; one SCIM group to several GitLab groups; a rename moves the group between displayName rules (feeds, both targets marked)", async () => {
    const externalId = crypto.randomUUID();
    const [a, b, c] = [unique("acme/a-"), unique("acme/b-"), unique("acme/c-")];
    const [oldName, newName] = [unique("Old "), unique("New ")];
    await rule(bridge.connectionId, { externalId }, a, "reporter");
    await rule(bridge.connectionId, { displayName: oldName }, b);
    await rule(bridge.connectionId, { displayName: newName }, c, "maintainer");
    const group = await step(() => scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: oldName, externalId }));
    expect(await feedsOf(group.body.id)).toEqual([a, b].sort());
    const before = await targetGenerations(bridge.connectionId);
    // Okta's rename: PATCH replace displayName.
    await step(() => scim("patch", `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", value: { id: group.body.id, displayName: newName } }] }));
    expect(await feedsOf(group.body.id)).toEqual([a, c].sort());
    const after = await targetGenerations(bridge.connectionId);
    // b: its members leave; c: they come; a: still fed, recomputed.
    for (const path of [a, b, c]) expect(after[path]).toBeGreaterThan(before[path] ?? 0);
    const events = await groupEvents(group.body.id);
    expect(events[events.length - 1]).toEqual({ action: "gitlab.group.feeds_changed", details: { targets: [a, c].sort(), added: [c], removed: [b] } });
  });

  test("RFC 7644 §3.6 a deleted SCIM group: its targets are marked (its members leave them) and it feeds nothing", async () => {
    const name = unique("Doomed ");
    const path = unique("acme/doomed-");
    await rule(bridge.connectionId, { displayName: name }, path);
    const group = await step(() => scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name }));
    expect(await feedsOf(group.body.id)).toEqual([path]);
    const before = await targetGenerations(bridge.connectionId);
    expect((await step(() => scim("delete", `/Groups/${group.body.id}`))).status).toBe(204);
    expect(await feedsOf(group.body.id)).toEqual([]);
    expect((await targetGenerations(bridge.connectionId))[path]).toBeGreaterThan(before[path]);
  });

  test("mapping add/update/remove mark the target, write mapping.* audit events; a rule added later reaches an existing group", async () => {
    const name = unique("Late ");
    const path = unique("acme/late-");
    const group = await step(() => scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name }));
    expect(await feedsOf(group.body.id)).toEqual([]);
    const m = await rule(bridge.connectionId, { displayName: name }, path);
    // The rule marked the SCIM group too: its pass recorded the feed.
    expect(await feedsOf(group.body.id)).toEqual([path]);
    const g1 = (await targetGenerations(bridge.connectionId))[path];
    const updated = await updateMapping(bridge.db.direct, m.id.slice(0, 8), { accessLevel: ACCESS_LEVELS.owner, authoritative: true }, "test", new Date());
    expect(updated).toMatchObject({ changed: true, mapping: { accessLevel: 50, authoritative: true } });
    expect(await updateMapping(bridge.db.direct, m.id, { accessLevel: ACCESS_LEVELS.owner }, "test", new Date())).toMatchObject({ changed: false });
    const g2 = (await targetGenerations(bridge.connectionId))[path];
    expect(g2).toBeGreaterThan(g1);
    await removeMapping(bridge.db.direct, m.id, "test", new Date());
    expect((await targetGenerations(bridge.connectionId))[path]).toBeGreaterThan(g2);
    await settled();
    expect(await feedsOf(group.body.id)).toEqual([]);
    const audit = await bridge.db.prisma.auditEvent.findMany({ where: { subjectType: "mapping", subjectId: m.id }, orderBy: { id: "asc" } });
    expect(audit.map((a) => [a.action, a.actor])).toEqual([["mapping.added", "test"], ["mapping.updated", "test"], ["mapping.removed", "test"]]);
    expect(audit[1].details).toMatchObject({ before: { accessLevel: 30, authoritative: false }, after: { accessLevel: 50, authoritative: true }, gitlabGroup: path });
  });
});

describe("issue 11 item 8: the read-only GitLab extension on SCIM groups", () => {
  test("one entry per matching mapping with its GitLab group, level and sync state, on GET, list, POST and PATCH answers; in the schemas list; client values ignored", async () => {
    const name = unique("Visible ");
    const [x, y] = [unique("acme/x-"), unique("acme/y-")];
    await rule(bridge.connectionId, { displayName: name }, x, "guest");
    await rule(bridge.connectionId, { displayName: name }, y, "maintainer");
    const created = await step(() =>
      scim("post", "/Groups", { schemas: [GROUP_SCHEMA, GITLAB_GROUP], displayName: name, [GITLAB_GROUP]: { gitlabGroups: [{ fullPath: "evil/x", accessLevel: "owner" }] } }),
    );
    expect(created.body.schemas).toEqual([GROUP_SCHEMA, GITLAB_GROUP]);
    // The POST's own answer: the group's pass has not run yet.
    expect(created.body[GITLAB_GROUP].gitlabGroups.map((e: { fullPath: string; accessLevel: string; syncState: string }) => [e.fullPath, e.accessLevel, e.syncState])).toEqual(
      [[x, "guest", "pending"], [y, "maintainer", "pending"]].sort(),
    );
    const got = await scim("get", `/Groups/${created.body.id}`);
    expect(got.body[GITLAB_GROUP]).toEqual({
      gitlabGroups: [x, y].sort().map((fullPath) => expect.objectContaining({ fullPath, accessLevel: fullPath === x ? "guest" : "maintainer", syncState: expect.any(String) })),
    });
    const listed = await scim("get", `/Groups?filter=${encodeURIComponent(`displayName eq "${name}"`)}`);
    expect(listed.body.Resources[0][GITLAB_GROUP].gitlabGroups).toHaveLength(2);
    const patched = await scim("patch", `/Groups/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: unique("Elsewhere ") }] });
    expect(patched.status).toBe(200);
    expect(patched.body[GITLAB_GROUP]).toEqual({});
    const refused = await scim("patch", `/Groups/${created.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: `${GITLAB_GROUP}:gitlabGroups`, value: [] }] });
    expect(refused.status).toBe(400);
    expect(refused.body.scimType).toBe("mutability");
    await bridge.quiet();
  });

  test("/Schemas describes the Group extension as read-only", async () => {
    const res = await scim("get", `/Schemas/${GITLAB_GROUP}`);
    expect(res.status).toBe(200);
    const attribute = res.body.attributes.find((a: { name: string }) => a.name === "gitlabGroups");
    expect(attribute).toMatchObject({ type: "complex", multiValued: true, mutability: "readOnly" });
    expect(attribute.subAttributes.map((s: { name: string }) => s.name)).toEqual(["fullPath", "gitlabGroupId", "accessLevel", "syncState", "lastError", "lastSyncedAt"]);
  });
});

describe("issue 11 item 2: unmapped groups with unmapped_groups create", () => {
  async function connectionWithParent(parent: string) {
    const name = unique("unmapped-");
    const { id, token } = await bridge.addConnection(name);
    bridge.emulator.seed({ groups: [{ path: parent }] });
    await bridge.updateSettings({ unmappedGroups: "create", unmappedParent: parent, unmappedAccess: "reporter" }, name);
    return { id, name, scim: scimClient(bridge, token) };
  }

  async function targetOf(connectionId: string, scimGroupId: string) {
    const [row] = await bridge.db.direct.query<{ fullPath: string; gitlabGroupId: number | null; createdByBridge: boolean; accessLevel: number; origin: string }>(
      `SELECT t."fullPath", t."gitlabGroupId", t."createdByBridge", m."accessLevel", m."origin"::text AS "origin" FROM "GroupMapping" m JOIN "GitLabGroupTarget" t ON t."id" = m."targetId"
       WHERE m."connectionId" = $1::uuid AND m."matchBy" = 'scimGroupId' AND m."matchValue" = $2`,
      [connectionId, scimGroupId],
    );
    return row;
  }

  test("a new SCIM group gets a subgroup of the parent (path from displayName, its description names the SCIM group) mapped at unmappedAccess; the group feeds it", async () => {
    const parent = unique("teams");
    const c = await connectionWithParent(parent);
    const since = await lastSeq(bridge);
    const group = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Équipe Données" }));
    const made = bridge.emulator.state.findGroupByFullPath(`${parent}/equipe-donnees`);
    expect(made).toMatchObject({ name: "Équipe Données", description: subgroupDescription(group.body.id), visibility: "private" });
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([`GET /api/v4/groups/${parent}`, "POST /api/v4/groups"]);
    expect(await targetOf(c.id, group.body.id)).toEqual({ fullPath: `${parent}/equipe-donnees`, gitlabGroupId: made!.id, createdByBridge: true, accessLevel: 20, origin: "unmapped" });
    expect(await feedsOf(group.body.id)).toEqual([`${parent}/equipe-donnees`]);
    expect((await groupEvents(group.body.id)).map((e) => e.action)).toEqual(["gitlab.call", "gitlab.call", "gitlab.group.created", "gitlab.group.feeds_changed"]);
    // A later pass (a membership change) creates nothing more.
    const again = await lastSeq(bridge);
    await step(() => c.scim("patch", `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Équipe Données" }] }));
    await step(() => c.scim("put", `/Groups/${group.body.id}`, { schemas: [GROUP_SCHEMA], displayName: "Équipe Données", members: [] }));
    expect(callLines(await gitlabCalls(bridge, again))).toEqual([]);
    // The extension shows the subgroup.
    const got = await c.scim("get", `/Groups/${group.body.id}`);
    expect(got.body[GITLAB_GROUP].gitlabGroups).toEqual([expect.objectContaining({ fullPath: `${parent}/equipe-donnees`, gitlabGroupId: made!.id, accessLevel: "reporter" })]);
  });

  test("a subgroup the bridge made, deleted in GitLab: the GitLab group's pass forgets it (404 Group Not Found), the SCIM group's pass makes it again and its members are added there (contract §3, §4.2)", async () => {
    const parent = unique("teams");
    const c = await connectionWithParent(parent);
    const first = await step(() => c.scim("post", "/Users", userBody(unique("u"), { externalId: unique("ext-") })));
    const group = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Phoenix", members: [{ value: first.body.id }] }));
    await settled();
    const old = bridge.emulator.state.findGroupByFullPath(`${parent}/phoenix`)!;
    const [{ gitlabUserId: firstId }] = await bridge.db.direct.query<{ gitlabUserId: number }>(`SELECT "gitlabUserId" FROM "GitLabUserLink" WHERE "scimUserId" = $1::uuid`, [first.body.id]);
    expect(bridge.emulator.state.findMember(old.id, firstId)?.accessLevel).toBe(20);

    bridge.emulator.state.removeGroup(old);
    const second = await step(() => c.scim("post", "/Users", userBody(unique("u"), { externalId: unique("ext-") })));
    const since = await lastSeq(bridge);
    await step(() => c.scim("patch", `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: second.body.id }] }] }));
    await settled();
    const remade = bridge.emulator.state.findGroupByFullPath(`${parent}/phoenix`)!;
    expect(remade.id).not.toBe(old.id);
    expect(remade.description).toBe(subgroupDescription(group.body.id));
    const [{ gitlabUserId: secondId }] = await bridge.db.direct.query<{ gitlabUserId: number }>(`SELECT "gitlabUserId" FROM "GitLabUserLink" WHERE "scimUserId" = $1::uuid`, [second.body.id]);
    expect([firstId, secondId].map((id) => bridge.emulator.state.findMember(remade.id, id)?.accessLevel)).toEqual([20, 20]);
    expect(await targetOf(c.id, group.body.id)).toMatchObject({ fullPath: `${parent}/phoenix`, gitlabGroupId: remade.id, createdByBridge: true });
    const calls = (await gitlabCalls(bridge, since)).map((call) => `${call.method} ${call.path} ${call.status}`);
    expect(calls[0]).toBe(`GET /api/v4/groups/${old.id}/members 404`);
    expect(calls).toContain("POST /api/v4/groups 201");
    expect(calls.at(-1)).toBe(`POST /api/v4/groups/${remade.id}/members 201`);
    const [{ details }] = await bridge.db.direct.query<{ details: Record<string, unknown> }>(
      `SELECT e."details" FROM "AuditEvent" e JOIN "GitLabGroupTarget" t ON e."subjectId" = t."id"::text WHERE e."action" = 'gitlab.group.gone' AND t."fullPath" = $1`,
      [`${parent}/phoenix`],
    );
    expect(details).toMatchObject({ gitlabGroupId: old.id, forgottenMemberships: [firstId], next: "the SCIM group's pass makes the subgroup again" });
  });

  test("contract §3: a path taken by an unrelated group (400 'has already been taken', not 409) → the next suffix; the collision is audited", async () => {
    const parent = unique("teams");
    const c = await connectionWithParent(parent);
    bridge.emulator.seed({ groups: [{ path: "ops", parent, description: "made by hand" }, { path: "ops-2", parent, description: "also by hand" }] });
    const group = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Ops" }));
    const made = bridge.emulator.state.findGroupByFullPath(`${parent}/ops-3`);
    expect(made).toMatchObject({ description: subgroupDescription(group.body.id) });
    expect(await targetOf(c.id, group.body.id)).toMatchObject({ fullPath: `${parent}/ops-3`, gitlabGroupId: made!.id });
    const events = await groupEvents(group.body.id);
    expect(events.filter((e) => e.action === "gitlab.group.path_taken").map((e) => e.details)).toEqual([
      { taken: `${parent}/ops`, takenBy: bridge.emulator.state.findGroupByFullPath(`${parent}/ops`)!.id, next: `${parent}/ops-2` },
      { taken: `${parent}/ops-2`, takenBy: bridge.emulator.state.findGroupByFullPath(`${parent}/ops-2`)!.id, next: `${parent}/ops-3` },
    ]);
    expect(events.filter((e) => e.action === "gitlab.call").map((e) => [e.details.method, e.details.status])).toEqual([
      ["GET", 200], ["POST", 400], ["GET", 200], ["POST", 400], ["GET", 200], ["POST", 201],
    ]);
    // The hand-made groups are untouched.
    expect(bridge.emulator.state.findGroupByFullPath(`${parent}/ops`)).toMatchObject({ description: "made by hand" });
  });

  test("a crash repeat: the subgroup was made but its id never recorded → the taken path's description names this SCIM group, so it is recorded, not duplicated", async () => {
    const parent = unique("teams");
    const c = await connectionWithParent(parent);
    // The group arrives while unmapped groups are ignored; the "earlier attempt" made GitLab's group.
    await bridge.updateSettings({ unmappedGroups: "ignore" }, c.name);
    const group = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Infra" }));
    expect(await targetOf(c.id, group.body.id)).toBeUndefined();
    bridge.emulator.seed({ groups: [{ path: "infra", parent, description: subgroupDescription(group.body.id) }] });
    const existing = bridge.emulator.state.findGroupByFullPath(`${parent}/infra`)!;
    await bridge.updateSettings({ unmappedGroups: "create" }, c.name);
    const since = await lastSeq(bridge);
    await step(() => c.scim("patch", `/Groups/${group.body.id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Infra" }] }));
    // Entra-style no-op PATCH changes nothing, so mark the group with a real change.
    await step(() => c.scim("put", `/Groups/${group.body.id}`, { schemas: [GROUP_SCHEMA], displayName: "Infra", externalId: "x" }));
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([`GET /api/v4/groups/${parent}`, "POST /api/v4/groups", `GET /api/v4/groups/${encodeURIComponent(`${parent}/infra`)}`]);
    expect(await targetOf(c.id, group.body.id)).toMatchObject({ fullPath: `${parent}/infra`, gitlabGroupId: existing.id });
    expect((await groupEvents(group.body.id)).map((e) => e.action)).toContain("gitlab.group.linked");
    expect([...bridge.emulator.state.groupsById.values()].filter((g) => g.fullPath.startsWith(`${parent}/`))).toHaveLength(1);
  });

  test("the parent is looked up once, not once per subgroup; a parent made again (new id) is looked up again when the create answers 404 (contract §3)", async () => {
    const parent = unique("teams");
    const c = await connectionWithParent(parent);
    const since = await lastSeq(bridge);
    for (const name of ["Alpha", "Beta", "Gamma"]) await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: name }));
    expect(callLines(await gitlabCalls(bridge, since))).toEqual([`GET /api/v4/groups/${parent}`, "POST /api/v4/groups", "POST /api/v4/groups", "POST /api/v4/groups"]);
    expect(bridge.emulator.state.childrenOf(bridge.emulator.state.findGroupByFullPath(parent)!.id).map((g) => g.path).sort()).toEqual(["alpha", "beta", "gamma"]);

    // Someone deletes the parent and makes it again: same path, new id.
    const old = bridge.emulator.state.findGroupByFullPath(parent)!;
    bridge.emulator.state.removeGroup(old);
    bridge.emulator.seed({ groups: [{ path: parent }] });
    const remade = bridge.emulator.state.findGroupByFullPath(parent)!;
    expect(remade.id).not.toBe(old.id);
    const again = await lastSeq(bridge);
    const delta = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Delta" }));
    const calls = await gitlabCalls(bridge, again);
    expect(calls.map((call) => `${call.method} ${call.path} ${call.status}`)).toEqual([`POST /api/v4/groups 404`, `GET /api/v4/groups/${parent} 200`, `POST /api/v4/groups 201`]);
    expect(bridge.emulator.state.findGroupByFullPath(`${parent}/delta`)).toMatchObject({ parentId: remade.id, description: subgroupDescription(delta.body.id) });
  });

  test("a rule that matches the group: no subgroup; the parent missing in GitLab: the group's pass is parked with a clear error", async () => {
    const parent = unique("teams");
    const c = await connectionWithParent(parent);
    const mapped = unique("Mapped ");
    await rule(c.id, { displayName: mapped }, unique("acme/m-"));
    const since = await lastSeq(bridge);
    await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: mapped }));
    // No subgroup is made (the rule's GitLab group pass looks its group up, nothing more).
    expect(callLines(await gitlabCalls(bridge, since)).filter((line) => !line.startsWith("GET "))).toEqual([]);

    await bridge.updateSettings({ unmappedParent: `${parent}/missing` }, c.name);
    const orphan = await step(() => c.scim("post", "/Groups", { schemas: [GROUP_SCHEMA], displayName: "Orphan" }));
    const [item] = await bridge.db.direct.query<{ state: string; lastError: string }>(`SELECT "state"::text AS "state", "lastError" FROM "ReconcileItem" WHERE "subjectType" = 'group' AND "subjectId" = $1::uuid`, [orphan.body.id]);
    expect(item).toEqual({ state: "parked", lastError: expect.stringContaining(`the parent group ${parent}/missing (unmappedParent) does not exist in GitLab`) });
    expect((await groupEvents(orphan.body.id)).map((e) => e.action)).toEqual(["gitlab.call", "gitlab.group.failed"]);
  });
});
