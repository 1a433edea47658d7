/**
 * Issue 11 items 6 and 7, the operator's commands, through the built CLI and the server's control
 * socket (this process plays the server: it owns DATA_DIR, serves the socket over a real database,
 * PGlite or PostgreSQL, and sweeps with a GitLab client on the emulator over HTTP):
 * - `holds`, `approve HOLD_ID`, `discard HOLD_ID` (id or unique prefix), and `status` showing open
 *   holds. Holds are made as a pass makes them: guardMassChange on a claimed item.
 * - `reconcile --full [--dry-run]`: the drift sweep on demand; a dry run makes only GETs and marks
 *   nothing. Without a server and without GITLAB_URL it refuses with a sentence.
 */
import path from "node:path";
import pino from "pino";
import { startControlServer, type ControlServer } from "../../src/cli/control-server";
import { createConnection } from "../../src/connections/connections";
import type { Database } from "../../src/db/database";
import { createGitLabClient, type GitLabClient } from "../../src/gitlab/client";
import { userFieldsFrom } from "../../src/provisioning/user-fields";
import { userStore } from "../../src/provisioning/user-store";
import { DriftSweeper, type DriftSweepReport } from "../../src/reconcile/drift-sweep";
import { createGitLabCallLog } from "../../src/reconcile/gitlab-call-log";
import { guardMassChange } from "../../src/reconcile/mass-change-guard";
import * as queue from "../../src/reconcile/queue";
import { acquireDataDirLock, type DataDirLock } from "../../src/runtime/data-dir-lock";
import { startGitLabEmulator, type GitLabEmulator } from "../../tools/gitlab-emulator";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { baseEnv, killAll, makeTempDir, parseJson, removeDir, runCli, type CliRun } from "./helpers/processes";

jest.setTimeout(180_000);

let tmp: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let lock: DataDirLock;
let testDb: TestDatabase;
let db: Database;
let control: ControlServer;
let emulator: GitLabEmulator;
let gitlab: GitLabClient;
let wakes = 0;
// Each scenario's marks happen at its own past moment and its claims take only what it made due.
let clock = Date.now() - 86_400_000;
const nextMoment = () => new Date((clock += 60_000));

beforeAll(async () => {
  tmp = makeTempDir("gsb-holds-");
  dataDir = path.join(tmp, "served");
  env = baseEnv({ DATA_DIR: dataDir });
  lock = await acquireDataDirLock(dataDir, { role: "server" });
  testDb = await createTestDatabase();
  db = testDb.db;
  emulator = await startGitLabEmulator({ port: 0 });
  const callLog = createGitLabCallLog();
  gitlab = createGitLabClient({ url: emulator.url, token: emulator.adminToken, timeoutMs: 10_000, concurrency: 4, onCall: callLog.onCall });
  const sweeper = new DriftSweeper({ runner: db.direct, gitlab, callLog, now: () => new Date() });
  control = await startControlServer({ dataDir, db, logger: pino({ level: "silent" }), wake: () => wakes++, driftSweep: (request) => sweeper.sweep(request) });
}, 300_000);

afterAll(async () => {
  await control?.close();
  gitlab?.close();
  await emulator?.close();
  await testDb?.close();
  await lock?.release();
  await killAll();
  removeDir(tmp);
});

function expectRefused(run: CliRun, code: 1 | 2, message: string | RegExp): void {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: "" });
  expect(run.stderr).toMatch(/^gitlab-scim-bridge: [^\n]+\n$/);
  if (typeof message === "string") expect(run.stderr).toContain(message);
  else expect(run.stderr).toMatch(message);
}

/** SCIM users as the SCIM surface writes them (each write marks the user), with their links. */
async function usersOf(connectionId: string, userNames: string[], at: Date): Promise<string[]> {
  const ids: string[] = [];
  for (const userName of userNames) {
    const user = await userStore(db).create({ connectionId, actor: "test", now: at }, userFieldsFrom({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName }));
    ids.push(user.row.id);
  }
  await db.prisma.gitLabUserLink.createMany({ data: ids.map((scimUserId) => ({ scimUserId, connectionId, syncState: "synced" as const })) });
  return ids;
}

/** Plays the passes of a burst of offboardings at `at`: each claimed item is held by the guard (count over threshold). */
async function heldBurst(name: string): Promise<{ connectionId: string; ids: string[]; holdId: string }> {
  const at = nextMoment();
  const connectionId = (await createConnection(db.prisma, { name, idp: "entra", actor: "test" })).id;
  const ids = await usersOf(connectionId, [`ann@${name}.example`, `ben@${name}.example`, `cat@${name}.example`], at);
  const claims = await queue.claim(db.direct, { claimedBy: "test-worker", limit: 100, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, at);
  expect(claims.map((c) => c.subjectId).sort()).toEqual([...ids].sort());
  for (const [n, claim] of claims.entries()) {
    const verdict = await guardMassChange(db.direct, claim, { kind: "offboardings", count: 60 + n, threshold: 50, summary: `would block ${60 + n} users of ${name} within the hour (threshold 50)` }, at);
    expect(verdict.verdict).toBe("held");
  }
  await db.prisma.gitLabUserLink.updateMany({ where: { scimUserId: { in: ids } }, data: { syncState: "held" } });
  const hold = await db.prisma.reconcileHold.findFirstOrThrow({ where: { connectionId } });
  return { connectionId, ids, holdId: hold.id };
}

interface HoldsJson {
  holds: Array<{ id: string; connectionName: string; kind: string; state: string; summary: string; waiting: number; counts: Record<string, unknown> }>;
}

describe("holds, approve, discard", () => {
  test("issue 11 item 7: holds lists the open hold of a burst (one per connection and kind), status shows it, with its summary and numbers", async () => {
    const { holdId, ids } = await heldBurst("listed");
    const listed = parseJson<HoldsJson>(await runCli(["holds", "--connection", "listed", "--json"], env));
    expect(listed.holds).toEqual([expect.objectContaining({ id: holdId, connectionName: "listed", kind: "offboardings", state: "held", waiting: 3, summary: "would block 62 users of listed within the hour (threshold 50)" })]);
    expect(Object.keys(listed.holds[0].counts).sort()).toEqual([...ids].sort());
    const table = await runCli(["holds", "--connection", "listed"], env);
    expect(table.stdout).toMatch(new RegExp(`${holdId}\\s+listed\\s+offboardings\\s+held\\s+3\\s`));
    expect(table.stdout).toContain("Decide one: gitlab-scim-bridge approve HOLD_ID");

    const status = await runCli(["status", "--connection", "listed"], env);
    expect(status.stdout).toContain(`  held:   ${holdId} offboardings: would block 62 users of listed within the hour (threshold 50) (3 waiting; approve ${holdId} | discard ${holdId})\n`);
    expect(status.stdout).toContain("  users:  pending 0  synced 0  failed 0  conflict 0  held 3\n");
    expect(status.stdout).toContain("  gitlab groups: pending 0  synced 0  failed 0  conflict 0  held 0\n");
    const statusJson = parseJson<{ connections: Array<{ holds: Array<{ id: string; waiting: number }> }> }>(await runCli(["status", "--connection", "listed", "--json"], env));
    expect(statusJson.connections[0].holds).toEqual([expect.objectContaining({ id: holdId, waiting: 3 })]);
  });

  test("approve HOLD_ID by unique prefix: the hold is approved by cli, its items due now and let through by the guard, audited once, workers woken; deciding it again is refused", async () => {
    const { connectionId, holdId, ids } = await heldBurst("approved");
    const wakesBefore = wakes;
    const run = await runCli(["approve", holdId.slice(0, 8)], env);
    expect(run).toMatchObject({ code: 0, stdout: `Approved hold ${holdId} (would block 62 users of approved within the hour (threshold 50)): 3 held subject(s) go ahead now.\n` });
    expect(wakes).toBe(wakesBefore + 1);
    const hold = await db.prisma.reconcileHold.findUniqueOrThrow({ where: { id: holdId } });
    expect(hold).toMatchObject({ state: "approved", openKey: null, decidedBy: "cli", decidedAt: expect.any(Date) });
    for (const id of ids) {
      expect(await queue.findItem(db.direct, { subjectType: "user", subjectId: id })).toMatchObject({ state: "pending", holdId, nextAttemptAt: expect.any(Date) });
    }
    expect(await db.prisma.gitLabUserLink.count({ where: { scimUserId: { in: ids }, syncState: "pending" } })).toBe(3);
    const events = await db.prisma.auditEvent.findMany({ where: { action: "reconcile.hold_approved", subjectId: holdId } });
    expect(events).toEqual([expect.objectContaining({ actor: "cli", connectionId, subjectType: "hold", details: expect.objectContaining({ kind: "offboardings", items: 3 }) })]);

    // The passes run again: the guard finds the hold approved and lets them proceed (the same burst).
    const claims = await queue.claim(db.direct, { claimedBy: "test-worker", limit: 100, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, new Date());
    const mine = claims.filter((c) => ids.includes(c.subjectId));
    expect(mine).toHaveLength(3);
    for (const claim of mine) {
      expect(await guardMassChange(db.direct, claim, { kind: "offboardings", count: 99, threshold: 50, summary: "still mass" }, new Date())).toEqual({ verdict: "proceed" });
      expect(await queue.complete(db.direct, claim, new Date())).toMatchObject({ state: "done", holdId: null });
    }
    for (const claim of claims.filter((c) => !ids.includes(c.subjectId))) await queue.release(db.direct, claim, null, new Date());

    expectRefused(await runCli(["approve", holdId], env), 1, new RegExp(`cannot approve hold ${holdId}: it is approved \\(by cli at [^)]+\\), not held`));
    expectRefused(await runCli(["discard", holdId], env), 1, `cannot discard hold ${holdId}: it is approved`);
    // Approved, the open key is free: the next mass burst of the connection opens a new hold.
    const listed = parseJson<HoldsJson>(await runCli(["holds", "--connection", "approved", "--all", "--json"], env));
    expect(listed.holds).toEqual([expect.objectContaining({ id: holdId, state: "approved", waiting: 0 })]);
    expect(parseJson<HoldsJson>(await runCli(["holds", "--connection", "approved", "--json"], env)).holds).toEqual([]);
  });

  test("discard HOLD_ID: the hold is discarded, its items parked with the reason and their users failed, audited; `retry` brings them back", async () => {
    const { connectionId, holdId, ids } = await heldBurst("discarded");
    const run = parseJson<{ hold: { id: string; state: string; decidedBy: string }; items: number }>(await runCli(["discard", holdId, "--json"], env));
    expect(run).toMatchObject({ hold: { id: holdId, state: "discarded", decidedBy: "cli" }, items: 3 });
    const reason = "mass change discarded by cli: would block 62 users of discarded within the hour (threshold 50)";
    for (const id of ids) {
      expect(await queue.findItem(db.direct, { subjectType: "user", subjectId: id })).toMatchObject({ state: "parked", parkedReason: "permanent_error", holdId: null, nextAttemptAt: null, lastError: reason });
    }
    expect(await db.prisma.gitLabUserLink.findMany({ where: { scimUserId: { in: ids } }, select: { syncState: true, lastError: true } })).toEqual(ids.map(() => ({ syncState: "failed", lastError: reason })));
    expect(await db.prisma.auditEvent.findMany({ where: { action: "reconcile.hold_discarded", subjectId: holdId } })).toEqual([expect.objectContaining({ actor: "cli", connectionId, details: expect.objectContaining({ items: 3 }) })]);
    const status = parseJson<{ connections: Array<{ holds: unknown[]; parked: { total: number } }> }>(await runCli(["status", "--connection", "discarded", "--json"], env));
    expect(status.connections[0]).toMatchObject({ holds: [], parked: { total: 3 } });
    expectRefused(await runCli(["discard", holdId.slice(0, 6)], env), 1, `cannot discard hold ${holdId}: it is discarded (by cli at`);
    // `retry` brings the parked items back, as for any parked subject.
    expect(parseJson<{ retried: number }>(await runCli(["retry", "--all-failed", "--connection", "discarded", "--json"], env)).retried).toBe(3);
  });

  test("approve and discard refuse bad input with a sentence and exit code", async () => {
    expectRefused(await runCli(["approve"], env), 2, "approve needs a HOLD_ID (see `holds`)");
    expectRefused(await runCli(["discard"], env), 2, "discard needs a HOLD_ID (see `holds`)");
    expectRefused(await runCli(["approve", "a", "b"], env), 2, "approve takes one HOLD, got 2: a b");
    expectRefused(await runCli(["approve", "not-a-hold!"], env), 1, '"not-a-hold!" is not a hold id (see `holds`)');
    expectRefused(await runCli(["approve", "abc"], env), 1, 'give at least 4 characters of the hold id, got "abc"');
    expectRefused(await runCli(["approve", "00000000-0000-4000-8000-000000000000"], env), 1, "there is no hold 00000000-0000-4000-8000-000000000000 (see `holds --all`)");
    expectRefused(await runCli(["holds", "--connection", "nope"], env), 1, 'there is no connection named "nope"');
  });
});

describe("reconcile --full", () => {
  /** A connection with one linked user whose GitLab account does not exist, and one mapped GitLab group. */
  async function driftedConnection(name: string): Promise<{ connectionId: string; userId: string; targetId: string }> {
    const at = nextMoment();
    const connectionId = (await createConnection(db.prisma, { name, idp: "okta", actor: "test" })).id;
    const [userId] = await usersOf(connectionId, [`gone@${name}.example`], at);
    await db.prisma.gitLabUserLink.update({ where: { scimUserId: userId }, data: { gitlabUserId: 900_000 + Math.floor(Math.random() * 90_000), gitlabUsername: `gone-${name}` } });
    const claims = await queue.claim(db.direct, { claimedBy: "test-worker", limit: 100, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, at);
    for (const claim of claims) await queue.complete(db.direct, claim, at);
    const target = await db.prisma.gitLabGroupTarget.create({ data: { connectionId, fullPath: `acme/${name}`, fullPathKey: `acme/${name}` } });
    return { connectionId, userId, targetId: target.id };
  }

  test("issue 11 item 6: --dry-run reports the drift through the server's sweeper, the emulator sees only GETs, nothing is marked", async () => {
    const { userId, targetId } = await driftedConnection("dryrun");
    const wakesBefore = wakes;
    const before = await queue.findItem(db.direct, { subjectType: "user", subjectId: userId });
    const since = emulator.requests.list().at(-1)?.seq ?? 0;
    const report = parseJson<DriftSweepReport>(await runCli(["reconcile", "--full", "--dry-run", "--connection", "dryrun", "--json"], env));
    const received = emulator.requests.list({ since });
    expect(received.length).toBeGreaterThan(0);
    expect(received.filter((r) => r.method !== "GET")).toEqual([]);
    expect(report).toMatchObject({ dryRun: true, connections: [{ connection: { name: "dryrun" }, usersChecked: 1, targetsMarked: 1, userDrift: [expect.objectContaining({ kind: "gitlab_user_missing", scimUserId: userId })] }] });
    expect(await queue.findItem(db.direct, { subjectType: "user", subjectId: userId })).toEqual(before);
    expect(await queue.findItem(db.direct, { subjectType: "gitlab_group", subjectId: targetId })).toBeNull();
    expect(wakes).toBe(wakesBefore);

    const table = await runCli(["reconcile", "--full", "--dry-run", "--connection", "dryrun"], env);
    expect(table.stdout).toMatch(/^Drift sweep [0-9a-f-]+ \(dry run: nothing marked\): read \d+ GitLab user\(s\)\.\n/);
    expect(table.stdout).toContain('Connection "dryrun": 1 linked user(s) checked, 1 drifted; 1 GitLab group(s) would be marked for a full pass\n');
    expect(table.stdout).toContain(`  - gone@dryrun.example (GitLab user `);
    expect(table.stdout).toContain("the linked GitLab account no longer exists\n");
  });

  test("issue 11 item 6: --dry-run plans each resolved GitLab group's full pass from its listed members (GETs only): unmanaged members reported", async () => {
    const { targetId } = await driftedConnection("dryrun-groups");
    const create = await fetch(`${emulator.url}/api/v4/groups`, { method: "POST", headers: { "private-token": emulator.adminToken, "content-type": "application/json" }, body: JSON.stringify({ name: "Dry run groups", path: "dryrun-groups" }) });
    const group = (await create.json()) as { id: number };
    await db.prisma.gitLabGroupTarget.update({ where: { id: targetId }, data: { gitlabGroupId: group.id } });
    const since = emulator.requests.list().at(-1)?.seq ?? 0;
    const report = parseJson<DriftSweepReport>(await runCli(["reconcile", "--full", "--dry-run", "--connection", "dryrun-groups", "--json"], env));
    expect(emulator.requests.list({ since }).filter((r) => r.method !== "GET")).toEqual([]);
    // Groups::CreateService made the token's user (root) an Owner: a member the bridge does not manage.
    expect(report.connections[0].targets).toEqual([{ targetId, fullPath: "acme/dryrun-groups", missing: 0, levelDrift: 0, unmanaged: 1, plan: [expect.stringMatching(/^1 members the bridge does not manage: #\d+$/)] }]);
    expect(await queue.findItem(db.direct, { subjectType: "gitlab_group", subjectId: targetId })).toBeNull();
    const table = await runCli(["reconcile", "--full", "--dry-run", "--connection", "dryrun-groups"], env);
    expect(table.stdout).toContain("  GitLab group acme/dryrun-groups: 0 managed member(s) missing, 0 at another level, 1 unmanaged; a full pass would:\n    - 1 members the bridge does not manage: #");
  });

  test("issue 11 item 6: reconcile --full marks the drifted user and the connection's GitLab groups full, audited with the sweep's id, and wakes the workers", async () => {
    const { userId, targetId } = await driftedConnection("swept");
    const wakesBefore = wakes;
    const report = parseJson<DriftSweepReport>(await runCli(["reconcile", "--full", "--connection", "swept", "--json"], env));
    expect(report.dryRun).toBe(false);
    expect(await queue.findItem(db.direct, { subjectType: "user", subjectId: userId })).toMatchObject({ state: "pending", full: true, requestId: report.sweepId });
    expect(await queue.findItem(db.direct, { subjectType: "gitlab_group", subjectId: targetId })).toMatchObject({ state: "pending", full: true, priority: 2 });
    expect(await db.prisma.auditEvent.findFirst({ where: { action: "gitlab.drift.user", subjectId: userId } })).toMatchObject({ actor: "cli", requestId: report.sweepId });
    expect(wakes).toBe(wakesBefore + 1);
    expectRefused(await runCli(["reconcile"], env), 2, "reconcile needs --full");
    expectRefused(await runCli(["reconcile", "--full", "--connection", "nope"], env), 1, 'there is no connection named "nope"');
  });

  test("without a running server and without GITLAB_URL, reconcile --full refuses with a sentence (the bundled GitLab lives in the server)", async () => {
    const solo = baseEnv({ DATA_DIR: path.join(tmp, "solo") });
    expectRefused(await runCli(["reconcile", "--full"], solo), 1, "reconcile --full needs GitLab: run it while the bridge is running");
  });
});
