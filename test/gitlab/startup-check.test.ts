/**
 * Issue 10 §1, the GitLab connection: on start the bridge checks its token (contract §1.1: GET /user
 * shows `"is_admin": true` to administrators only) and records GitLab's version (GET /metadata, or
 * GET /version before GitLab 15.2). A rejected or non-admin token stops the start with a sentence; an
 * unreachable GitLab does not: SCIM is served, /readyz says so, and the check runs again when GitLab
 * answers. The whole bridge runs in-process (startBridge, as `npm start` composes it) against the
 * emulator on port 0, over real HTTP, on PGlite or PostgreSQL (TEST_DATABASE_URL).
 */
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { createConnection } from "../../src/connections/connections";
import { createGitLabClient, type GitLabClient } from "../../src/gitlab/client";
import { GitLabStatus } from "../../src/gitlab/gitlab-status";
import { GitLabRefusedError, startGitLabCheck } from "../../src/gitlab/startup-check";
import { startGitLabEmulator, type GitLabEmulator } from "../../tools/gitlab-emulator";
import { baseEnv, runServerToExit } from "../cli/helpers/processes";
import { requireBuilt } from "../observability/bridge-process";
import { capturingLogger, createBridgeHome, startBridgeIn, waitFor, type BridgeHome, type StartedBridge } from "../helpers/started-bridge";

jest.setTimeout(120_000);

let home: BridgeHome;
let emulator: GitLabEmulator;
let running: StartedBridge | undefined;

beforeAll(async () => {
  home = await createBridgeHome();
  emulator = await startGitLabEmulator({
    seed: { users: [{ username: "plain-user", tokens: [{ token: "glpat-plain-user-token-0001" }] }] },
  });
}, 120_000);

afterEach(async () => {
  await running?.bridge.stop();
  running = undefined;
  emulator.faults.clear();
});

afterAll(async () => {
  await emulator?.close();
  await home?.remove();
});

function withGitLab(token: string, url = emulator.url): Record<string, string> {
  return { GITLAB_URL: url, GITLAB_TOKEN: token };
}

async function readyz(started: StartedBridge): Promise<{ code: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${started.bridge.url}/readyz`);
  return { code: res.status, body: await res.json() };
}

async function gitlabConnectedEvents(started: StartedBridge): Promise<Array<{ actor: string; subjectId: string | null; details: unknown }>> {
  return started.bridge.db.prisma.auditEvent.findMany({ where: { action: "gitlab.connected" }, orderBy: { id: "asc" }, select: { actor: true, subjectId: true, details: true } });
}

/** A URL on which nothing listens: a port the system handed out and took back. */
async function closedUrl(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

async function refusal(env: Record<string, string>): Promise<GitLabRefusedError> {
  try {
    running = await startBridgeIn(home, env);
  } catch (error) {
    expect(error).toBeInstanceOf(GitLabRefusedError);
    return error as GitLabRefusedError;
  }
  throw new Error("the bridge started although it should have refused");
}

test("contract §1.1 an administrator's token: the start logs GitLab's version, /readyz shows gitlab ok, the audit log has gitlab.connected", async () => {
  running = await startBridgeIn(home, withGitLab(emulator.adminToken));
  expect(running.lines.find((l) => l.msg === "connected to GitLab: the token is an administrator's")).toMatchObject({
    gitlabUrl: emulator.url,
    gitlabVersion: "18.2.0-ee",
    gitlabRevision: "emulator",
    tokenOwner: "root",
  });
  const ready = await readyz(running);
  expect(ready.code).toBe(200);
  expect(ready.body).toMatchObject({
    status: "ready",
    components: {
      database: { status: "ok" },
      gitlab: { status: "ok", url: emulator.url, emulated: false, version: "18.2.0-ee", revision: "emulator", tokenOwner: "root", breaker: "closed" },
      reconciler: { queue: { pending: 0, claimed: 0, done: 0, parked: 0 } },
    },
  });
  const events = await gitlabConnectedEvents(running);
  expect(events.at(-1)).toMatchObject({ actor: "bridge", subjectId: emulator.url, details: { url: emulator.url, version: "18.2.0-ee", revision: "emulator", tokenOwner: "root" } });
  expect(JSON.stringify(running.lines)).not.toContain(emulator.adminToken);
  expect(JSON.stringify(ready.body)).not.toContain(emulator.adminToken);
});

test("GitLab before 15.2 (GET /metadata is 404): the deprecated GET /version is recorded instead", async () => {
  emulator.faults.set({ script: [{ path: "/api/v4/metadata", times: 1, respond: { status: 404, body: { error: "404 Not Found" } } }] });
  running = await startBridgeIn(home, withGitLab(emulator.adminToken));
  expect((await readyz(running)).body.components.gitlab).toMatchObject({ status: "ok", version: "18.2.0-ee", revision: "emulator" });
  const calls = emulator.requests.list().slice(-3).map((r) => `${r.method} ${r.path} ${r.status}`);
  expect(calls).toEqual(["GET /api/v4/user 200", "GET /api/v4/metadata 404", "GET /api/v4/version 200"]);
});

test("contract §1.1 401: a rejected token stops the start with one sentence, without the token; the data directory is free again", async () => {
  const token = "glpat-this-token-is-wrong-0001";
  const error = await refusal(withGitLab(token));
  expect(error.message).toBe(
    `GitLab at ${emulator.url} rejected GITLAB_TOKEN (401 Unauthorized): the token is wrong, expired or revoked; set GITLAB_TOKEN to an administrator's personal access token with the api scope`,
  );
  expect(error.message).not.toContain(token);
  // Everything opened was closed: the next start on the same DATA_DIR/database works.
  running = await startBridgeIn(home, withGitLab(emulator.adminToken));
});

test("contract §1.1 / §9.15 a non-administrator's token (no is_admin key) stops the start, naming the user", async () => {
  const error = await refusal(withGitLab("glpat-plain-user-token-0001"));
  expect(error.message).toMatch(/^GITLAB_TOKEN belongs to GitLab user "plain-user", who is not an administrator/);
});

test("an unreachable GitLab (connection refused) does not stop the start: SCIM is served, /readyz is 200 and says unreachable, the log says work is queued", async () => {
  const url = await closedUrl();
  running = await startBridgeIn(home, withGitLab("glpat-whatever-0001", url));
  const warning = running.lines.find((l) => String(l.msg).startsWith("GitLab is unreachable"));
  expect(warning).toMatchObject({ level: 40, gitlabUrl: url });
  expect(String(warning!.msg)).toContain("queues the changes");
  expect(String(warning!.reason)).toContain("ECONNREFUSED");

  const ready = await readyz(running);
  expect(ready.code).toBe(200);
  expect(ready.body).toMatchObject({ status: "degraded", components: { database: { status: "ok" }, gitlab: { status: "unreachable", url, version: null } } });

  const { token } = (await createConnection(running.bridge.db.prisma, { name: `offline-${Date.now()}`, idp: "generic", actor: "test" })).token;
  const created = await fetch(`${running.bridge.url}/scim/v2/Users`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/scim+json" },
    body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "while.down@acme.example", externalId: "00u-while-down", emails: [{ value: "while.down@acme.example", primary: true }] }),
  });
  expect(created.status).toBe(201);
  // The queue counts /readyz shows are reused for up to 2 s (a polling load balancer must not scan the queue).
  // Queued: pending, or claimed by a worker whose GitLab call waits for GitLab to answer.
  await waitFor(async () => {
    const { queue } = (await readyz(running!)).body.components.reconciler;
    return queue && queue.pending + queue.claimed === 1 && queue.done === 0 ? true : undefined;
  }, "the queued user in /readyz");
});

test("GitLab down at start (503 outage), then back: the background check connects, /readyz turns ok, gitlab.connected is recorded", async () => {
  emulator.faults.set({ outage: { status: 503, durationMs: 3_600_000 } });
  running = await startBridgeIn(home, withGitLab(emulator.adminToken));
  expect((await readyz(running)).body.components.gitlab).toMatchObject({ status: "unreachable" });
  const before = (await gitlabConnectedEvents(running)).length;

  emulator.faults.clear();
  const ready = await waitFor(async () => {
    const r = await readyz(running!);
    return r.body.components.gitlab.status === "ok" ? r : undefined;
  }, "/readyz with gitlab ok");
  expect(ready.body).toMatchObject({ status: "ready", components: { gitlab: { version: "18.2.0-ee", breaker: "closed" } } });
  await waitFor(async () => ((await gitlabConnectedEvents(running!)).length > before ? true : undefined), "a gitlab.connected audit event");
});

test("GitLab down at start, then it answers 401: logged as an error, /readyz stays 200 and shows unauthorized", async () => {
  emulator.faults.set({ outage: { status: 503, durationMs: 3_600_000 } });
  const token = "glpat-this-token-is-wrong-0002";
  running = await startBridgeIn(home, withGitLab(token));
  emulator.faults.clear();
  const error = await running.waitForLine((l) => l.level === 50 && String(l.msg).includes("rejected GITLAB_TOKEN"), "the error line of the rejected token");
  expect(String(error.msg)).toContain("SCIM is still served");
  const ready = await readyz(running);
  expect(ready.code).toBe(200);
  expect(ready.body).toMatchObject({ status: "degraded", components: { gitlab: { status: "unauthorized" } } });
  expect(ready.body.components.gitlab.message).toContain("401");
  expect(JSON.stringify(running.lines)).not.toContain(token);
});

test("the server process (npm start) with a rejected token exits non-zero with the sentence, no stack trace, never the token", async () => {
  requireBuilt();
  const token = "glpat-this-token-is-wrong-0003";
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-refused-"));
  try {
    const run = await runServerToExit(baseEnv({ DATA_DIR: dataDir, ...withGitLab(token) }));
    expect(run.code).toBe(1);
    const fatal = run.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.level === 60);
    expect(fatal).toMatchObject({ msg: `cannot start: GitLab at ${emulator.url} rejected GITLAB_TOKEN (401 Unauthorized): the token is wrong, expired or revoked; set GITLAB_TOKEN to an administrator's personal access token with the api scope` });
    expect(fatal).not.toHaveProperty("err");
    expect(run.stdout + run.stderr).not.toContain(token);
    expect(run.stdout + run.stderr).not.toMatch(/\n\s+at /);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

describe("the start-up check on its own (startGitLabCheck)", () => {
  const clients: GitLabClient[] = [];
  afterEach(() => {
    while (clients.length) clients.pop()!.close();
  });

  test("a GitLab that never answers holds the start no longer than the first check's limit, however long GITLAB_TIMEOUT_MS is; the check then goes on in the background", async () => {
    const client = createGitLabClient({ url: emulator.url, token: emulator.adminToken, timeoutMs: 600_000, concurrency: 2 });
    clients.push(client);
    const status = new GitLabStatus(emulator.url, false, () => client.breakerState);
    const { lines, logger } = capturingLogger();
    emulator.faults.set({ script: [{ path: "/api/v4/user", times: 1, timeout: true }] });
    const check = await startGitLabCheck({ client, status, logger, firstCheckMaxMs: 200 });
    try {
      expect(status.view()).toMatchObject({ status: "unreachable", message: `GitLab at ${emulator.url} did not answer within 0.2 s` });
      expect(lines.find((l) => String(l.msg).startsWith("GitLab is unreachable"))).toBeDefined();
      // The scripted fault was used up by the first try: the background check gets GitLab's answer.
      await waitFor(() => (status.view().status === "ok" ? true : undefined), "the background check to connect");
      expect(status.view()).toMatchObject({ version: "18.2.0-ee", tokenOwner: "root" });
    } finally {
      await check.stop();
    }
  });
});
