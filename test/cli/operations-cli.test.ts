/**
 * Issue 10 §3 and §6, the operator's commands, through the built CLI: `connection update` (the
 * per-connection provisioning policy, audited with before and after) and the settings in
 * `connection list`; `status` (the reconcile queue by state, users by GitLab sync state, the parked
 * subjects with their errors); `retry SUBJECT|--all-failed` (parked → due again, audited, the server's
 * workers woken). Once with a running server (this process plays it: it owns DATA_DIR and serves the
 * control socket over a real database, PGlite or PostgreSQL), once with no server (the CLI opens the
 * embedded database itself, or PostgreSQL directly). Parked items are made with the queue's own
 * transitions (claim, park), as a worker would.
 */
import path from "node:path";
import pino from "pino";
import { startControlServer, type ControlServer } from "../../src/cli/control-server";
import { createConnection } from "../../src/connections/connections";
import { openDatabase, type Database } from "../../src/db/database";
import { userStore } from "../../src/provisioning/user-store";
import { userFieldsFrom } from "../../src/provisioning/user-fields";
import * as queue from "../../src/reconcile/queue";
import { acquireDataDirLock, type DataDirLock } from "../../src/runtime/data-dir-lock";
import { createTestDatabase, testServerUrl, type TestDatabase } from "../helpers/database";
import { baseEnv, killAll, makeTempDir, parseJson, removeDir, runCli, type CliRun } from "./helpers/processes";

jest.setTimeout(180_000);

const SETTINGS_KEYS = ["deprovision", "revokeTokens", "createUsers", "identityProvider", "externUidFrom", "deleteGitLabUsers", "dryRun", "removeMemberships", "unmappedGroups", "unmappedParent", "unmappedAccess", "massChangePercent", "massChangeMinimum"];

interface StatusJson {
  connections: Array<{
    connection: { id: string; name: string };
    queue: Record<string, number>;
    users: Record<string, number>;
    parked: { total: number; subjects: Array<Record<string, unknown>> };
  }>;
}

interface RetryJson {
  retried: number;
  subjects: Array<{ subjectType: string; subjectId: string; lastError: string | null }>;
  notParked: Array<{ subjectId: string; state: string }>;
}

let tmp: string;

beforeAll(() => {
  tmp = makeTempDir("gsb-ops-");
});

afterAll(async () => {
  await killAll();
  removeDir(tmp);
});

/** SCIM users created by the store the SCIM surface writes through (each write marks the user). */
async function createUsers(db: Database, connectionId: string, userNames: string[], at: Date): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const userName of userNames) {
    const user = await userStore(db).create({ connectionId, actor: "test", now: at }, userFieldsFrom({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName }));
    ids[userName] = user.row.id;
  }
  return ids;
}

/**
 * Plays a worker at `at`: claims what is due, parks the subjects named (with their error, the last
 * named the newest) and completes the others. With a `connectionId`, refuses to touch another
 * scenario's subjects: every claimed item must belong to that connection.
 */
async function parkAs(db: Database, connectionId: string | null, parked: Array<{ id: string; error: string }>, at: Date): Promise<void> {
  const claims = await queue.claim(db.direct, { claimedBy: "test-worker", limit: 10_000, leaseMs: 60_000 }, queue.DEFAULT_RETRY_POLICY, at);
  const foreign = connectionId === null ? [] : claims.filter((c) => c.connectionId !== connectionId);
  if (foreign.length > 0) throw new Error(`claimed another scenario's items: ${foreign.map((c) => c.subjectId).join(", ")}`);
  for (const claim of claims) if (!parked.some((p) => p.id === claim.subjectId)) await queue.complete(db.direct, claim, at);
  for (const [i, p] of parked.entries()) {
    const claim = claims.find((c) => c.subjectId === p.id);
    if (!claim) throw new Error(`${p.id} was not due`);
    await queue.park(db.direct, claim, p.error, new Date(at.getTime() + i));
  }
}

function expectRefused(run: CliRun, code: 1 | 2, message: string | RegExp): void {
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code, stdout: "" });
  expect(run.stderr).toMatch(/^gitlab-scim-bridge: [^\n]+\n$/);
  if (typeof message === "string") expect(run.stderr).toContain(message);
  else expect(run.stderr).toMatch(message);
}

describe("with a running server (the control socket)", () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let lock: DataDirLock;
  let testDb: TestDatabase;
  let control: ControlServer;
  let db: Database;
  let wakes = 0;
  // Each scenario's SCIM writes happen at its own past moment, and its worker claims at that moment:
  // it takes only what that scenario made due (retries are due at the real now, later than all of them).
  let clock = Date.now() - 86_400_000;
  const nextMoment = () => new Date((clock += 60_000));

  /** A connection with ann (synced), ben (parked with a conflict), cat (parked, failed), dan (done). */
  async function parkedConnection(name: string): Promise<{ connectionId: string; ids: Record<string, string> }> {
    const at = nextMoment();
    const connectionId = (await createConnection(db.prisma, { name, idp: "entra", actor: "test" })).id;
    const ids = await createUsers(db, connectionId, ["ann@acme.example", "ben@acme.example", "cat@acme.example", "dan@acme.example"], at);
    await parkAs(db, connectionId, [
      { id: ids["ben@acme.example"], error: "GitLab PUT /api/v4/users/12 answered 409: Email has already been taken" },
      { id: ids["cat@acme.example"], error: "GitLab POST /api/v4/users/13/block answered 403: 403 Forbidden" },
    ], at);
    await db.prisma.gitLabUserLink.createMany({
      data: [
        { scimUserId: ids["ann@acme.example"], connectionId, gitlabUserId: nextGitLabId(), gitlabUsername: `ann-${name}`, linkedBy: "email", syncState: "synced" },
        { scimUserId: ids["ben@acme.example"], connectionId, gitlabUserId: nextGitLabId(), gitlabUsername: `ben-${name}`, linkedBy: "identity", syncState: "conflict", lastError: "Email has already been taken" },
        { scimUserId: ids["cat@acme.example"], connectionId, syncState: "failed", lastError: "403 Forbidden" },
      ],
    });
    return { connectionId, ids };
  }
  let gitlabIds = 100;
  const nextGitLabId = () => ++gitlabIds;

  beforeAll(async () => {
    dataDir = path.join(tmp, "served");
    env = baseEnv({ DATA_DIR: dataDir });
    lock = await acquireDataDirLock(dataDir, { role: "server" });
    testDb = await createTestDatabase();
    db = testDb.db;
    control = await startControlServer({ dataDir, db, logger: pino({ level: "silent" }), wake: () => wakes++ });
  }, 300_000);

  afterAll(async () => {
    await control?.close();
    await testDb?.close();
    await lock?.release();
  });

  test("connection list shows every connection's effective settings: the defaults until changed (table and --json)", async () => {
    await createConnection(db.prisma, { name: "listed", idp: "entra", actor: "test" });
    const listed = parseJson<Array<Record<string, unknown>>>(await runCli(["connection", "list", "--json"], env));
    expect(listed.find((c) => c.name === "listed")).toMatchObject({
      settings: { deprovision: "block", revokeTokens: false, createUsers: true, identityProvider: "saml", externUidFrom: "externalId", deleteGitLabUsers: "never", dryRun: false },
      settingsError: null,
    });
    const table = await runCli(["connection", "list"], env);
    expect(table.stdout).toMatch(/NAME\s+IDP\s+ACTIVE TOKENS\s+DEPROVISION\s+REVOKE-TOKENS\s+CREATE-USERS\s+IDENTITY-PROVIDER\s+EXTERN-UID-FROM\s+DELETE-GITLAB-USERS\s+DRY-RUN/);
    expect(table.stdout).toMatch(/\nlisted\s+entra\s+1\s+block\s+no\s+yes\s+saml\s+externalId\s+never\s+no\s/);
  });

  test("connection update changes what it names, prints the effective settings, audits before/after once, and wakes the workers", async () => {
    const { id } = await createConnection(db.prisma, { name: "policy", idp: "okta", actor: "test" });
    const wakesBefore = wakes;
    const run = await runCli(["connection", "update", "--name", "policy", "--deprovision", "deactivate", "--revoke-tokens", "--no-create-users", "--identity-provider", "okta_saml", "--extern-uid-from", "userName", "--delete-gitlab-users", "soft", "--dry-run"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Settings of connection "policy":\n/);
    for (const [option, value] of [["deprovision", "deactivate"], ["revoke-tokens", "yes"], ["create-users", "no"], ["identity-provider", "okta_saml"], ["extern-uid-from", "userName"], ["delete-gitlab-users", "soft"], ["dry-run", "yes"]]) {
      expect(run.stdout).toMatch(new RegExp(`\\n  ${option}\\s+${value}\\n`));
    }
    expect(wakes).toBe(wakesBefore + 1);
    const events = await db.prisma.auditEvent.findMany({ where: { connectionId: id, action: "connection.settings_changed" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: "cli",
      subjectType: "connection",
      subjectId: id,
      details: {
        name: "policy",
        before: { deprovision: "block", revokeTokens: false, createUsers: true, identityProvider: "saml", externUidFrom: "externalId", deleteGitLabUsers: "never", dryRun: false },
        after: { deprovision: "deactivate", revokeTokens: true, createUsers: false, identityProvider: "okta_saml", externUidFrom: "userName", deleteGitLabUsers: "soft", dryRun: true },
      },
    });

    // The same value again changes nothing and records nothing; --no-dry-run changes only dryRun.
    const again = parseJson<{ settings: Record<string, unknown> }>(await runCli(["connection", "update", "--name", "policy", "--deprovision", "deactivate", "--json"], env));
    expect(Object.keys(again.settings).sort()).toEqual([...SETTINGS_KEYS].sort());
    expect(await db.prisma.auditEvent.count({ where: { connectionId: id, action: "connection.settings_changed" } })).toBe(1);
    const off = parseJson<{ settings: Record<string, unknown> }>(await runCli(["connection", "update", "--name", "policy", "--no-dry-run", "--json"], env));
    expect(off.settings).toMatchObject({ deprovision: "deactivate", revokeTokens: true, dryRun: false });
    const stored = await db.prisma.connection.findUniqueOrThrow({ where: { id }, select: { settings: true } });
    expect(stored.settings).toEqual({ deprovision: "deactivate", revokeTokens: true, createUsers: false, identityProvider: "okta_saml", externUidFrom: "userName", deleteGitLabUsers: "soft", dryRun: false });
  });

  test("connection update refuses bad input with a sentence naming the option: exit 2 for the command line, 1 for an unknown connection", async () => {
    await createConnection(db.prisma, { name: "unchanged", idp: "entra", actor: "test" });
    expectRefused(await runCli(["connection", "update", "--name", "unchanged", "--deprovision", "delete"], env), 2, '--deprovision must be one of block, deactivate, ban, none, got "delete"');
    expectRefused(await runCli(["connection", "update", "--name", "unchanged", "--extern-uid-from", "mail"], env), 2, '--extern-uid-from must be one of externalId, userName, id, got "mail"');
    expectRefused(await runCli(["connection", "update", "--name", "unchanged", "--delete-gitlab-users", "always"], env), 2, "--delete-gitlab-users must be one of never, soft, hard");
    expectRefused(await runCli(["connection", "update", "--name", "unchanged", "--identity-provider", "saml provider"], env), 2, "--identity-provider must be a GitLab provider name");
    expectRefused(await runCli(["connection", "update", "--name", "unchanged"], env), 2, "nothing to change: give at least one of --deprovision, --revoke-tokens");
    expectRefused(await runCli(["connection", "update", "--deprovision", "ban"], env), 2, "--name is required");
    expectRefused(await runCli(["connection", "update", "--name", "unchanged", "--revoke-tokens=yes"], env), 2, "--revoke-tokens");
    expectRefused(await runCli(["connection", "update", "--name", "nope", "--deprovision", "ban"], env), 1, 'there is no connection named "nope"');
    const listed = parseJson<Array<{ name: string; settings: Record<string, unknown> }>>(await runCli(["connection", "list", "--json"], env));
    expect(listed.find((c) => c.name === "unchanged")!.settings.deprovision).toBe("block");
  });

  test("status --json: the queue by state, users by sync state, parked subjects newest first with error, reason, attempts, SCIM and GitLab names", async () => {
    const { connectionId, ids } = await parkedConnection("seen");
    const status = parseJson<StatusJson>(await runCli(["status", "--connection", "seen", "--json"], env));
    expect(status.connections).toHaveLength(1);
    const seen = status.connections[0];
    expect(seen.connection).toEqual({ id: connectionId, name: "seen" });
    expect(seen.queue).toEqual({ pending: 0, claimed: 0, done: 2, parked: 2 });
    expect(seen.users).toEqual({ pending: 0, synced: 1, failed: 1, conflict: 1, held: 0 });
    expect(seen.parked.total).toBe(2);
    expect(seen.parked.subjects).toEqual([
      expect.objectContaining({ subjectType: "user", subjectId: ids["cat@acme.example"], name: "cat@acme.example", deleted: false, gitlabUserId: null, parkedReason: "permanent_error", attempts: 1, lastError: "GitLab POST /api/v4/users/13/block answered 403: 403 Forbidden" }),
      expect.objectContaining({ subjectType: "user", subjectId: ids["ben@acme.example"], name: "ben@acme.example", gitlabUserId: expect.any(Number), gitlabUsername: "ben-seen", parkedReason: "permanent_error", lastError: "GitLab PUT /api/v4/users/12 answered 409: Email has already been taken" }),
    ]);

    const limited = parseJson<StatusJson>(await runCli(["status", "--connection", "seen", "--limit", "1", "--json"], env));
    expect(limited.connections[0].parked).toMatchObject({ total: 2, subjects: [expect.objectContaining({ subjectId: ids["cat@acme.example"] })] });
    const all = parseJson<StatusJson>(await runCli(["status", "--json"], env));
    expect(all.connections.find((c) => c.connection.name === "seen")).toEqual(seen);

    const table = await runCli(["status", "--connection", "seen", "--limit", "1"], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Connection "seen"\n  queue:  pending 0  claimed 0  done 2  parked 2\n  users:  pending 0  synced 1  failed 1  conflict 1  held 0\n');
    expect(table.stdout).toContain("parked: 2 (the 1 newest shown; --limit N shows more)");
    expect(table.stdout).toMatch(new RegExp(`user ${ids["cat@acme.example"]}\\s+cat@acme.example\\s+-\\s+permanent_error\\s+1\\s+\\S+\\s+GitLab POST /api/v4/users/13/block answered 403`));
    expect(table.stdout).toContain("retry them: gitlab-scim-bridge retry --all-failed --connection seen");
  });

  test("status and retry refuse bad input with a sentence and exit code", async () => {
    const { ids } = await parkedConnection("refusals");
    await createConnection(db.prisma, { name: "elsewhere", idp: "entra", actor: "test" });
    expectRefused(await runCli(["status", "--limit", "0"], env), 2, '--limit must be a whole number from 1 to 1000, got "0"');
    expectRefused(await runCli(["status", "--connection", "nope"], env), 1, 'there is no connection named "nope"');
    expectRefused(await runCli(["retry"], env), 2, "give a SUBJECT (a SCIM id, or a userName with --connection NAME) or --all-failed");
    expectRefused(await runCli(["retry", ids["ben@acme.example"], "--all-failed"], env), 2, "give either a SUBJECT or --all-failed, not both");
    expectRefused(await runCli(["retry", "ben@acme.example"], env), 2, '"ben@acme.example" is not a SCIM id; to name a user by userName, add --connection NAME');
    expectRefused(await runCli(["retry", "a", "b", "--connection", "refusals"], env), 2, "retry takes one SUBJECT, got 2: a b");
    expectRefused(await runCli(["retry", "zed@acme.example", "--connection", "refusals"], env), 1, 'connection "refusals" has no user with userName "zed@acme.example"');
    expectRefused(await runCli(["retry", "00000000-0000-4000-8000-000000000000"], env), 1, "nothing is queued for SCIM id 00000000-0000-4000-8000-000000000000");
    expectRefused(await runCli(["retry", ids["ben@acme.example"], "--connection", "elsewhere"], env), 1, `nothing is queued for SCIM id ${ids["ben@acme.example"]} in connection "elsewhere"`);
    expectRefused(await runCli(["retry", "--all-failed", "--connection", "nope"], env), 1, 'there is no connection named "nope"');
    // Nothing was retried by any of them.
    expect(await queue.findItem(db.direct, { subjectType: "user", subjectId: ids["ben@acme.example"] })).toMatchObject({ state: "parked" });
  });

  test("retry by userName (case-insensitive) and by id: parked → pending with a fresh budget, one reconcile.retried event each, workers woken; not parked is said", async () => {
    const { connectionId, ids } = await parkedConnection("retried");
    const wakesBefore = wakes;
    const byName = parseJson<RetryJson>(await runCli(["retry", "BEN@acme.example", "--connection", "retried", "--json"], env));
    expect(byName).toMatchObject({ retried: 1, subjects: [{ subjectType: "user", subjectId: ids["ben@acme.example"], lastError: expect.stringContaining("409") }], notParked: [] });
    expect(wakes).toBe(wakesBefore + 1);
    expect(await queue.findItem(db.direct, { subjectType: "user", subjectId: ids["ben@acme.example"] })).toMatchObject({ state: "pending", attempts: 0, parkedReason: null, firstFailedAt: null });
    const events = await db.prisma.auditEvent.findMany({ where: { action: "reconcile.retried", subjectId: ids["ben@acme.example"] } });
    expect(events).toEqual([expect.objectContaining({ actor: "cli", connectionId, subjectType: "user", details: expect.objectContaining({ lastError: expect.stringContaining("Email has already been taken") }) })]);

    const again = await runCli(["retry", ids["ben@acme.example"]], env);
    expect(again).toMatchObject({ code: 0, stdout: `Nothing to retry for user ${ids["ben@acme.example"]}: it is pending, not parked.\n` });
    expect(wakes).toBe(wakesBefore + 1);

    const byId = await runCli(["retry", ids["cat@acme.example"]], env);
    expect(byId).toMatchObject({ code: 0, stdout: "Made 1 parked subject(s) due again; the reconcilers retry them now with a fresh budget.\n" });
    const status = parseJson<StatusJson>(await runCli(["status", "--connection", "retried", "--json"], env));
    expect(status.connections[0].queue).toEqual({ pending: 2, claimed: 0, done: 2, parked: 0 });
  });

  test("retry --all-failed --connection makes every parked subject of that connection due (a deleted user's too), and no other connection's", async () => {
    const { connectionId, ids } = await parkedConnection("bulk");
    const other = await createConnection(db.prisma, { name: "bulk-other", idp: "okta", actor: "test" });
    const at = nextMoment();
    const mine = await createUsers(db, connectionId, ["eve@acme.example", "fay@acme.example"], at);
    const theirs = await createUsers(db, other.id, ["gus@other.example"], at);
    await userStore(db).delete({ connectionId, actor: "test", now: at }, mine["fay@acme.example"], {});
    await parkAs(db, null, [
      { id: mine["eve@acme.example"], error: "GitLab answered 422" },
      { id: mine["fay@acme.example"], error: "GitLab answered 403" },
      { id: theirs["gus@other.example"], error: "GitLab answered 400" },
    ], at);
    const status = parseJson<StatusJson>(await runCli(["status", "--connection", "bulk", "--json"], env));
    expect(status.connections[0].parked.total).toBe(4);
    expect(status.connections[0].parked.subjects.find((s) => s.subjectId === mine["fay@acme.example"])).toMatchObject({ name: "fay@acme.example", deleted: true });

    const run = parseJson<RetryJson>(await runCli(["retry", "--all-failed", "--connection", "bulk", "--json"], env));
    expect(run.retried).toBe(4);
    expect(run.subjects.map((s) => s.subjectId).sort()).toEqual([ids["ben@acme.example"], ids["cat@acme.example"], mine["eve@acme.example"], mine["fay@acme.example"]].sort());
    expect(await queue.findItem(db.direct, { subjectType: "user", subjectId: theirs["gus@other.example"] })).toMatchObject({ state: "parked" });
    expect(await db.prisma.auditEvent.count({ where: { action: "reconcile.retried", connectionId } })).toBe(4);

    const none = await runCli(["retry", "--all-failed", "--connection", "bulk"], env);
    expect(none).toMatchObject({ code: 0, stdout: 'No parked subjects of connection "bulk": nothing to retry.\n' });
    const everywhere = parseJson<RetryJson>(await runCli(["retry", "--all-failed", "--json"], env));
    expect(everywhere.subjects.map((s) => s.subjectId)).toContain(theirs["gus@other.example"]);
    expect(await db.prisma.auditEvent.findFirst({ where: { action: "reconcile.retried", subjectId: theirs["gus@other.example"] } })).toMatchObject({ connectionId: other.id, subjectType: "user" });
  });
});

/** The no-server flow: the CLI opens the database itself; `withDb` opens it in this process between CLI runs. */
function soloFlow(name: string, setup: () => Promise<{ env: NodeJS.ProcessEnv; withDb<T>(fn: (db: Database) => Promise<T>): Promise<T>; close(): Promise<void> }>) {
  test(`${name}: connection update, status and retry without a server`, async () => {
    const solo = await setup();
    try {
      const created = parseJson<{ id: string }>(await runCli(["connection", "create", "--name", "solo", "--idp", "generic", "--json"], solo.env));
      const T0 = new Date(Date.now() - 60_000);
      const ids = await solo.withDb(async (db) => {
        const made = await createUsers(db, created.id, ["hal@acme.example", "ida@acme.example"], T0);
        await parkAs(db, created.id, [{ id: made["hal@acme.example"], error: "GitLab answered 404: 404 User Not Found" }], T0);
        return made;
      });
      const update = await runCli(["connection", "update", "--name", "solo", "--deprovision", "ban", "--revoke-tokens"], solo.env);
      expect(update.code).toBe(0);
      expect(update.stdout).toMatch(/\n  deprovision\s+ban\n  revoke-tokens\s+yes\n/);
      const status = parseJson<StatusJson>(await runCli(["status", "--json"], solo.env));
      expect(status.connections[0]).toMatchObject({ queue: { done: 1, parked: 1 }, parked: { total: 1, subjects: [{ name: "hal@acme.example", lastError: "GitLab answered 404: 404 User Not Found" }] } });
      const retried = parseJson<RetryJson>(await runCli(["retry", "hal@acme.example", "--connection", "solo", "--json"], solo.env));
      expect(retried.retried).toBe(1);
      await solo.withDb(async (db) => {
        expect(await queue.findItem(db.direct, { subjectType: "user", subjectId: ids["hal@acme.example"] })).toMatchObject({ state: "pending", attempts: 0 });
        expect(await db.prisma.auditEvent.count({ where: { action: { in: ["reconcile.retried", "connection.settings_changed"] }, connectionId: created.id } })).toBe(2);
      });
    } finally {
      await solo.close();
    }
  });
}

soloFlow("embedded PGlite", async () => {
  const dataDir = path.join(tmp, "solo");
  return {
    env: baseEnv({ DATA_DIR: dataDir }),
    async withDb(fn) {
      // As the CLI does: hold DATA_DIR's lock while the embedded database is open.
      const lock = await acquireDataDirLock(dataDir, { role: "cli" });
      const db = await openDatabase({ pgliteDir: path.join(dataDir, "pglite"), pgliteDurability: "off" });
      try {
        return await fn(db);
      } finally {
        await db.close();
        await lock.release();
      }
    },
    close: async () => undefined,
  };
});

if (testServerUrl()) {
  soloFlow("PostgreSQL (DATABASE_URL)", async () => {
    const testDb = await createTestDatabase();
    return {
      env: baseEnv({ DATABASE_URL: testDb.databaseUrl!, DATA_DIR: path.join(tmp, "pg") }),
      withDb: (fn) => fn(testDb.db),
      close: () => testDb.close(),
    };
  });
}
