/**
 * The server as operators run it: `node dist/src/main.js` in its own process, on port 0, with an
 * embedded PGlite under a temporary DATA_DIR. Proves the JSON log lines of a real process, graceful
 * shutdown on SIGTERM with a request in flight, and configuration errors that stop the process with a
 * sentence naming the variable.
 */
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { startNodeOptions } from "../../tools/start-command";
import { childEnv, requireBuilt, runCli, SERVER_ARGS, startBridgeProcess, type BridgeProcess, ROOT } from "./bridge-process";

const running: BridgeProcess[] = [];
const dataDirs: string[] = [];
const newDataDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-process-"));
  dataDirs.push(dir);
  return dir;
};

afterEach(async () => {
  while (running.length) await running.pop()!.kill();
  while (dataDirs.length) fs.rmSync(dataDirs.pop()!, { recursive: true, force: true });
});

/** Whether a TCP connection to the URL's port is refused (the listener is closed). */
function connectionRefused(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(true));
  });
}

/**
 * Polls until a connection is refused. One accepted probe is not proof of a listener: under a loaded
 * parallel run a probe to a just-freed loopback port can be answered by something else (seen once in
 * CI, not reproducible alone), so the property checked is that refusal comes while the request is held.
 */
async function refusedWithin(url: string, deadlineMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  while (!(await connectionRefused(url))) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return true;
}

describe("the server process", () => {
  it("on SIGTERM stops accepting, finishes the request in flight, then exits 0", async () => {
    const dataDir = newDataDir();
    const created = runCli(["connection", "create", "--name", "shutdown", "--idp", "generic", "--json"], { DATA_DIR: dataDir });
    expect(created.stderr).not.toMatch(/error/i);
    expect(created.status).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };

    const bridge = await startBridgeProcess({ DATA_DIR: dataDir });
    running.push(bridge);
    const body = Buffer.from(JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "in.flight@example.com", active: true }));
    const { hostname, port } = new URL(bridge.url);

    // Expect: 100-continue makes the server acknowledge the request head: from then on the request is
    // in flight (it has a response object), so shutdown must wait for it rather than drop the socket.
    const request = http.request({
      host: hostname,
      port: Number(port),
      method: "POST",
      path: "/scim/v2/Users",
      headers: {
        Authorization: `Bearer ${token}`,
        "Content-Type": "application/scim+json",
        "Content-Length": String(body.length),
        "X-Request-Id": "in-flight-1",
        Expect: "100-continue",
      },
    });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.on("response", (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk)).on("end", () => resolve({ status: res.statusCode!, body: text }));
      });
      request.on("error", reject);
    });
    await new Promise<void>((resolve) => request.once("continue", () => resolve()));
    request.write(body.subarray(0, 20));

    bridge.child.kill("SIGTERM");
    await bridge.waitForLine((r) => r.msg === "shutting down" && r.signal === "SIGTERM", "\"shutting down\" line");
    expect(await refusedWithin(bridge.url, 10_000)).toBe(true);

    request.end(body.subarray(20));
    const answer = await response;
    expect(answer.status).toBe(201);
    expect(JSON.parse(answer.body)).toMatchObject({ userName: "in.flight@example.com" });

    expect(await bridge.exited).toBe(0);
    await bridge.waitForLine((r) => r.msg === "gitlab-scim-bridge stopped", "\"gitlab-scim-bridge stopped\" line");
    const completed = await bridge.waitForLine((r) => r.clientRequestId === "in-flight-1" && r.msg === "request completed", "the in-flight request's log line");
    expect(completed).toMatchObject({ res: { statusCode: 201 } });
  });

  it("writes only JSON lines, each request's with its request id, and never the bearer token", async () => {
    const dataDir = newDataDir();
    const created = runCli(["connection", "create", "--name", "logs", "--idp", "generic", "--json"], { DATA_DIR: dataDir });
    expect(created.status).toBe(0);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const bridge = await startBridgeProcess({ DATA_DIR: dataDir });
    running.push(bridge);

    const calls = [
      fetch(`${bridge.url}/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`, { headers: { Authorization: `Bearer ${token}` } }),
      fetch(`${bridge.url}/scim/v2/Users`, { headers: { Authorization: `Bearer ${token}x` } }),
      fetch(`${bridge.url}/healthz?access_token=${token}`),
    ];
    const ids = (await Promise.all(calls)).map((res) => res.headers.get("x-request-id")!);
    for (const id of ids) await bridge.waitForLine((r) => r.requestId === id && r.msg === "request completed", `log line of request ${id}`);

    bridge.child.kill("SIGTERM");
    expect(await bridge.exited).toBe(0);
    for (const line of bridge.lines) {
      expect(() => JSON.parse(line)).not.toThrow();
      expect(line).not.toContain(token.slice(10));
    }
    expect(bridge.stderr()).not.toContain(token.slice(10));
  });
});

describe("the start command", () => {
  it("the Dockerfile's CMD runs the server with the node options of `npm start` (some apply only at process start)", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8"));
    expect(cmd).not.toBeNull();
    const options = startNodeOptions(ROOT);
    expect(options).toEqual(expect.arrayContaining(["--v8-pool-size=1", "--max-semi-space-size=4"]));
    expect(JSON.parse(cmd![1])).toEqual(["node", ...options, "dist/src/main.js"]);
  });

  it("refuses a start script that is not `node [--options] dist/src/main.js`", () => {
    const root = newDataDir();
    for (const start of ["tsx src/main.ts", "node dist/src/main.js --inspect", "node --max-old-space-size 512 dist/src/main.js"]) {
      fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ scripts: { start } }));
      expect(() => startNodeOptions(root)).toThrow(/start script must be "node \[--options\] dist\/src\/main.js"/);
    }
    fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ scripts: { start: "node  --a=1 --b dist/src/main.js " } }));
    expect(startNodeOptions(root)).toEqual(["--a=1", "--b"]);
  });
});

describe("configuration errors stop the process with a sentence naming the variable", () => {
  beforeAll(() => requireBuilt());

  it.each([
    ["PORT", { PORT: "abc" }, /PORT must be a whole number/],
    ["PORT", { PORT: "70000" }, /PORT must be between 0 and 65535/],
    ["DATABASE_URL", { DATABASE_URL: "mysql://localhost/db" }, /DATABASE_URL must use postgres: or postgresql:/],
    ["GITLAB_TOKEN", { GITLAB_URL: "https://gitlab.example.com" }, /GITLAB_TOKEN is required when GITLAB_URL is set/],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }, /LOG_LEVEL must be one of/],
    ["PGLITE_SHARED_BUFFERS", { PGLITE_SHARED_BUFFERS: "lots" }, /PGLITE_SHARED_BUFFERS must be a size such as 16MB/],
  ])("%s: %j → exit 2", (_name, env, message) => {
    const dataDir = newDataDir();
    const result = spawnSync(process.execPath, SERVER_ARGS, {
      cwd: ROOT,
      env: childEnv({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", ...env }),
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^Configuration error: /);
    expect(result.stderr).toMatch(message);
    // Stopped before touching anything: no database was created.
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
