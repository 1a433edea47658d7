/**
 * The control socket on its own, in this process: the server side is startControlServer over a real
 * database, the client side the built CLI or raw HTTP over the Unix socket. Covers a CLI arriving while
 * the server is still starting, and the expose rule: refusals are sentences, anything unexpected is a
 * generic message whose cause goes to the server's log only.
 */
import http from "node:http";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { startControlServer, type ControlServer } from "../../src/cli/control-server";
import { acquireDataDirLock, type DataDirLock } from "../../src/runtime/data-dir-lock";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { baseEnv, killAll, makeTempDir, parseJson, removeDir, runCli } from "./helpers/processes";

jest.setTimeout(180_000);

let tmp: string;
let dataDir: string;
let lock: DataDirLock;
let testDb: TestDatabase;
let control: ControlServer | undefined;
let logged = "";
const logger = pino(
  { level: "info" },
  new Writable({
    write(chunk, _encoding, done) {
      logged += chunk.toString();
      done();
    },
  }),
);

beforeAll(async () => {
  tmp = makeTempDir();
  dataDir = path.join(tmp, "data");
  // This process plays the server: it owns DATA_DIR and serves the control socket over a real database.
  lock = await acquireDataDirLock(dataDir, { role: "server" });
  testDb = await createTestDatabase();
  control = await startControlServer({ dataDir, db: testDb.db, logger });
}, 300_000);

afterAll(async () => {
  await control?.close();
  await testDb?.close();
  await lock?.release();
  await killAll();
  removeDir(tmp);
});

function post(body: string, urlPath = "/v1/commands"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: control!.socketPath, path: urlPath, method: "POST" }, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

test("a CLI command issued while the server is still starting waits for the control socket, then runs in the server", async () => {
  const startingDir = path.join(tmp, "starting");
  // Lock taken, database not yet open, socket not yet listening: the state of a server mid-start.
  const startingLock = await acquireDataDirLock(startingDir, { role: "server" });
  const cli = runCli(["connection", "create", "--name", "early", "--idp", "generic", "--json"], baseEnv({ DATA_DIR: startingDir }));
  const startingDb = await createTestDatabase();
  const startingControl = await startControlServer({ dataDir: startingDir, db: startingDb.db, logger });
  try {
    const created = parseJson<{ name: string; token: string }>(await cli);
    expect(created.name).toBe("early");
    expect(await startingDb.db.prisma.connection.count({ where: { name: "early" } })).toBe(1);
    expect(logged).toContain('"command":"connection create","outcome":"ok"');
    expect(logged).not.toContain(created.token);
  } finally {
    await startingControl.close();
    await startingDb.close();
    await startingLock.release();
  }
});

test("malformed requests are refused with a sentence", async () => {
  expect(await post("not json")).toEqual({ status: 400, body: JSON.stringify({ ok: false, exitCode: 2, message: "control request is not JSON" }) });
  expect(JSON.parse((await post(JSON.stringify({ command: "connection list", values: { x: 1 } }))).body).message).toMatch(/control request must be/);
  expect(JSON.parse((await post("{}", "/other")).body).message).toBe("the control socket accepts POST /v1/commands only");
  const unknown = await post(JSON.stringify({ command: "connection delete", values: {} }));
  expect(JSON.parse(unknown.body)).toMatchObject({ ok: false, exitCode: 2, message: expect.stringContaining('does not know the command "connection delete"') });
});

test("option values are parsed again on the server side: a usage error comes back with exit code 2", async () => {
  const res = await post(JSON.stringify({ command: "connection create", values: { name: "x", idp: "azure" } }));
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toEqual({ ok: false, exitCode: 2, message: '--idp must be one of entra, okta, generic, got "azure"' });
});

test("an unexpected failure is a generic message; its cause goes to the log only", async () => {
  // A real database without the schema: every query fails in a way no command expects.
  const broken = await createTestDatabase({ skipMigrations: true });
  const brokenDir = path.join(tmp, "broken");
  const brokenLock = await acquireDataDirLock(brokenDir);
  const brokenControl = await startControlServer({ dataDir: brokenDir, db: broken.db, logger });
  try {
    const run = await runCli(["connection", "list"], baseEnv({ DATA_DIR: brokenDir }));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('gitlab-scim-bridge: the server failed to run "connection list" because of an unexpected error; its log has the cause\n');
    expect(logged).toMatch(/"command":"connection list".*"msg":"control command failed"/);
    expect(logged).toMatch(/Connection` does not exist/); // the cause, in the log only
    expect(run.stderr).not.toMatch(/does not exist/);
  } finally {
    await brokenControl.close();
    await broken.close();
    await brokenLock.release();
  }
});
