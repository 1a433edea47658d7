/**
 * Issue 11 item 6, the drift sweep, over HTTP against the emulator: GitLab's users are read (keyset
 * pages, contract §5) and compared with what the IdP wants and what the bridge set. A leaver unblocked
 * by hand and a linked account deleted by hand are audited (gitlab.drift.user) and marked for a full
 * pass; every GitLab group the connection's rules target is marked full; a dry run reads the same and
 * marks nothing; the periodic sweep runs when RECONCILE_DRIFT_INTERVAL_MINUTES is set.
 *
 * The users are made by the bridge's own reconcilers; then its workers are stopped, so that the marks
 * the sweep leaves can be read before any pass takes them (the repair itself is the passes' job: the
 * user pass's full mode, the target pass's member listing).
 */
import crypto from "node:crypto";
import type { ConnectionSettings } from "../../src/connections/settings";
import { createGitLabClient } from "../../src/gitlab/client";
import { DriftSweeper, sweepDrift, type DriftSweepReport } from "../../src/reconcile/drift-sweep";
import { createGitLabCallLog } from "../../src/reconcile/gitlab-call-log";
import * as queue from "../../src/reconcile/queue";
import { startReconcilingBridge, type ReconcilingBridge } from "../helpers/reconciling-bridge";
import { waitFor } from "../helpers/started-bridge";
import { PATCH_OP, scimClient, userBody, type ScimClient } from "../scim/scim-client";
import { callLines, gitlabCalls, lastSeq, linkOf, seedGitLab } from "./helpers/gitlab-view";

jest.setTimeout(120_000);

const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;

/** What an admin does by hand in GitLab (the emulator's API, as an admin). */
async function byHand(bridge: ReconcilingBridge, method: string, path: string): Promise<number> {
  const res = await fetch(`${bridge.emulator.url}/api/v4${path}`, { method, headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken } });
  await res.arrayBuffer();
  return res.status;
}

/** A GitLab group some rule of the connection targets, as part B's `mapping add` leaves it (the row only). */
async function targetOf(bridge: ReconcilingBridge, connectionId: string, fullPath: string): Promise<string> {
  const target = await bridge.db.prisma.gitLabGroupTarget.create({ data: { connectionId, fullPath, fullPathKey: fullPath.toLowerCase() } });
  return target.id;
}

describe("a sweep with the workers stopped (the marks stay to be read)", () => {
  let bridge: ReconcilingBridge;
  let blockConnection: { id: string; scim: ScimClient };
  let noneConnection: { id: string; scim: ScimClient };

  async function connectionWith(settings: Partial<ConnectionSettings>) {
    const name = unique("conn-");
    const created = await bridge.addConnection(name);
    await bridge.updateSettings(settings, name);
    return { id: created.id, scim: scimClient(bridge, created.token) };
  }

  async function createdUser(scim: ScimClient): Promise<{ id: string; gitlabId: number }> {
    const res = await scim("post", "/Users", userBody(`${unique("drift")}@example.com`, { externalId: unique("ext-") }));
    expect(res.status).toBe(201);
    await bridge.quiet();
    return { id: res.body.id, gitlabId: (await linkOf(bridge, res.body.id))!.gitlabUserId! };
  }

  async function deactivate(scim: ScimClient, id: string): Promise<void> {
    const res = await scim("patch", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
    expect(res.status).toBe(200);
    await bridge.quiet();
  }

  const users: Record<string, { id: string; gitlabId: number }> = {};
  let targetId: string;

  beforeAll(async () => {
    bridge = await startReconcilingBridge();
    // More than a page of GitLab users before the bridge's own: the linked ones are on the second page.
    await seedGitLab(bridge, { users: Array.from({ length: 120 }, (_, n) => ({ username: `bystander${n}`, name: `Bystander ${n}`, email: `bystander${n}@example.com` })) });
    blockConnection = await connectionWith({ deprovision: "block" });
    noneConnection = await connectionWith({ deprovision: "none" });
    users.leaver = await createdUser(blockConnection.scim);
    users.gone = await createdUser(blockConnection.scim);
    users.steady = await createdUser(blockConnection.scim);
    users.blockedLeaver = await createdUser(blockConnection.scim);
    users.noneLeaver = await createdUser(noneConnection.scim);
    await deactivate(blockConnection.scim, users.leaver.id);
    await deactivate(blockConnection.scim, users.blockedLeaver.id);
    await deactivate(noneConnection.scim, users.noneLeaver.id);
    expect(await linkOf(bridge, users.leaver.id)).toMatchObject({ stateByBridge: "blocked" });
    targetId = await targetOf(bridge, blockConnection.id, `acme/${unique("dev")}`);
    await bridge.reconciler.workers.stop();
    // By hand: an admin unblocks the leaver and deletes another linked account.
    expect(await byHand(bridge, "POST", `/users/${users.leaver.gitlabId}/unblock`)).toBe(201);
    expect(await byHand(bridge, "DELETE", `/users/${users.gone.gitlabId}`)).toBe(204);
    bridge.emulator.flushJobs();
  }, 180_000);
  afterAll(() => bridge?.close());

  /** A sweep with a client of its own (the bridge's workers are stopped), its calls audited like the bridge's. */
  function sweep(request: { connectionId?: string; dryRun?: boolean }): Promise<DriftSweepReport> {
    const callLog = createGitLabCallLog();
    const gitlab = createGitLabClient({ url: bridge.emulator.url, token: bridge.emulator.adminToken, timeoutMs: 10_000, concurrency: 4, onCall: callLog.onCall });
    return sweepDrift({ runner: bridge.db.direct, gitlab, callLog, now: () => new Date() }, { actor: "test", ...request }).finally(() => gitlab.close());
  }

  const item = (subjectType: "user" | "gitlab_group", subjectId: string) => queue.findItem(bridge.db.direct, { subjectType, subjectId });

  test("dry run: the same GETs (only GETs), the differences reported, nothing marked", async () => {
    const before = await Promise.all(Object.values(users).map((u) => item("user", u.id)));
    const since = await lastSeq(bridge);
    const report = await sweep({ connectionId: blockConnection.id, dryRun: true });
    const calls = await gitlabCalls(bridge, since);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((c) => c.method === "GET")).toBe(true);
    expect(report.dryRun).toBe(true);
    expect(report.connections).toHaveLength(1);
    expect(report.connections[0]).toMatchObject({ skipped: null, targetsMarked: 1 });
    expect(report.connections[0].userDrift.map((d) => [d.scimUserId, d.kind]).sort()).toEqual(
      [[users.leaver.id, "leaver_active"], [users.gone.id, "gitlab_user_missing"]].sort(),
    );
    expect(await Promise.all(Object.values(users).map((u) => item("user", u.id)))).toEqual(before);
    expect(await item("gitlab_group", targetId)).toBeNull();
    expect(await bridge.db.prisma.auditEvent.count({ where: { requestId: report.sweepId, action: "gitlab.drift.user" } })).toBe(0);
    expect(await bridge.db.prisma.auditEvent.findFirst({ where: { requestId: report.sweepId, action: "reconcile.drift_swept" } })).toMatchObject({ details: expect.objectContaining({ dryRun: true }) });
  });

  test("dry run: a GitLab group whose kept id answers 404 Group Not Found is reported as gone, and the sweep goes on (contract §4.2)", async () => {
    const fullPath = `acme/${unique("gone")}`;
    const gone = await bridge.db.prisma.gitLabGroupTarget.create({ data: { connectionId: noneConnection.id, fullPath, fullPathKey: fullPath, gitlabGroupId: 987_654 } });
    const report = await sweep({ connectionId: noneConnection.id, dryRun: true });
    expect(report.connections[0].targets).toEqual([
      { targetId: gone.id, fullPath, missing: 0, levelDrift: 0, unmanaged: 0, plan: [`GitLab group #987654 is gone (404 Group Not Found): its next pass forgets it and its managed memberships, and looks ${fullPath} up again`] },
    ]);
    expect(await bridge.db.prisma.gitLabGroupTarget.findUniqueOrThrow({ where: { id: gone.id } })).toMatchObject({ gitlabGroupId: 987_654 });
  });

  test("issue 11 item 6: a leaver unblocked by hand and a linked account deleted by hand are audited and marked full; the connection's GitLab groups are marked full; nothing else moves", async () => {
    const steadyBefore = await item("user", users.steady.id);
    const noneBefore = await item("user", users.noneLeaver.id);
    const since = await lastSeq(bridge);
    const report = await sweep({});
    // contract §5: keyset pages in id order; the missing account is looked up by id before it is called gone.
    const received = await gitlabCalls(bridge, since);
    const lines = callLines(received);
    expect(lines[0]).toBe("GET /api/v4/users");
    expect(received[0].query).toMatchObject({ pagination: "keyset", order_by: "id", sort: "asc", per_page: "100" });
    // The second page is the link rel="next" followed as given (its cursor), not a page number.
    expect(received[1]).toMatchObject({ method: "GET", path: "/api/v4/users", query: expect.objectContaining({ cursor: expect.any(String) }) });
    expect(lines).toContain(`GET /api/v4/users/${users.gone.gitlabId}`);
    expect(lines.every((l) => l.startsWith("GET "))).toBe(true);

    const mine = report.connections.find((c) => c.connection.id === blockConnection.id)!;
    expect(mine.userDrift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: "leaver_active", scimUserId: users.leaver.id, gitlabUserId: users.leaver.gitlabId, observedState: "active", offboarding: true }),
        expect.objectContaining({ kind: "gitlab_user_missing", scimUserId: users.gone.id, gitlabUserId: users.gone.gitlabId, observedState: null, offboarding: false }),
      ]),
    );
    expect(mine.userDrift).toHaveLength(2);
    expect(mine.targetsMarked).toBe(1);
    // deprovision "none" takes nothing away: its leaver being active is no drift.
    expect(report.connections.find((c) => c.connection.id === noneConnection.id)!.userDrift).toEqual([]);

    expect(await item("user", users.leaver.id)).toMatchObject({ state: "pending", full: true, priority: 0, requestId: report.sweepId });
    expect(await item("user", users.gone.id)).toMatchObject({ state: "pending", full: true, priority: 1, requestId: report.sweepId });
    expect(await item("user", users.steady.id)).toEqual(steadyBefore);
    expect(await item("user", users.noneLeaver.id)).toEqual(noneBefore);
    // A GitLab group's pass waits for users (priority 2) and reads its members (full).
    expect(await item("gitlab_group", targetId)).toMatchObject({ state: "pending", full: true, priority: 2, requestId: report.sweepId });

    const drift = await bridge.db.prisma.auditEvent.findMany({ where: { action: "gitlab.drift.user", requestId: report.sweepId }, orderBy: { id: "asc" } });
    expect(drift.map((e) => [e.subjectId, (e.details as { kind: string }).kind]).sort()).toEqual([[users.leaver.id, "leaver_active"], [users.gone.id, "gitlab_user_missing"]].sort());
    expect(drift[0]).toMatchObject({ actor: "test", connectionId: blockConnection.id, subjectType: "user" });
    const calls = await bridge.db.prisma.auditEvent.findMany({ where: { action: "gitlab.call", requestId: report.sweepId } });
    expect(calls.length).toBe(lines.length);
    expect(calls[0]).toMatchObject({ subjectType: "drift_sweep", subjectId: report.sweepId });
    const swept = await bridge.db.prisma.auditEvent.findMany({ where: { action: "reconcile.drift_swept", requestId: report.sweepId } });
    expect(swept.find((e) => e.connectionId === blockConnection.id)).toMatchObject({ details: expect.objectContaining({ userDrift: 2, targetsMarked: 1, dryRun: false }) });
  });

  test("subjects whose pass is due (work in flight, or held by the guard) are not compared: a second sweep before the passes ran reports no drift", async () => {
    const report = await sweep({ connectionId: blockConnection.id });
    // Both drifted users are pending (marked by the last sweep): not compared until their pass is done.
    expect(report.connections[0].userDrift).toEqual([]);
  });

  test("one sweep at a time per process: a sweep asked for while one runs waits for it, then runs (none is dropped)", async () => {
    const callLog = createGitLabCallLog();
    const gitlab = createGitLabClient({ url: bridge.emulator.url, token: bridge.emulator.adminToken, timeoutMs: 10_000, concurrency: 4, onCall: callLog.onCall });
    try {
      const sweeper = new DriftSweeper({ runner: bridge.db.direct, gitlab, callLog, now: () => new Date() });
      const first = sweeper.sweep({ actor: "test", dryRun: true });
      const second = sweeper.sweep({ actor: "test", dryRun: true });
      expect(sweeper.idle).toBe(false);
      const [a, b] = await Promise.all([first, second]);
      expect(a.sweepId).not.toBe(b.sweepId);
      expect(b.startedAt.getTime()).toBeGreaterThanOrEqual(a.finishedAt.getTime());
      expect(sweeper.idle).toBe(true);
    } finally {
      gitlab.close();
    }
  });
});

test("the periodic sweep runs every RECONCILE_DRIFT_INTERVAL_MINUTES: its reconcile.drift_swept event appears, by the reconciler", async () => {
  const bridge = await startReconcilingBridge({ env: { RECONCILE_DRIFT_INTERVAL_MINUTES: "0.005" } });
  try {
    const event = await waitFor(
      () => bridge.db.prisma.auditEvent.findFirst({ where: { action: "reconcile.drift_swept", connectionId: bridge.connectionId } }).then((e) => e ?? undefined),
      "periodic drift sweep",
      30_000,
    );
    expect(event).toMatchObject({ actor: "reconciler", subjectType: "connection", subjectId: bridge.connectionId, details: expect.objectContaining({ dryRun: false }) });
  } finally {
    await bridge.close();
  }
});
