/**
 * A Unix socket path must fit in ~104 bytes. With a deep DATA_DIR the control socket moves to a
 * private per-user directory under the temp dir; server and CLI still find each other.
 */
import fs from "node:fs";
import path from "node:path";
import { controlSocketPath } from "../../src/cli/control-socket";
import { baseEnv, killAll, makeTempDir, parseJson, removeDir, runCli, startServer } from "./helpers/processes";

// Each CLI call is a process start; on a busy two-core machine several add up to minutes.
jest.setTimeout(180_000);

let tmp: string;

beforeAll(() => {
  tmp = makeTempDir();
});

afterAll(async () => {
  await killAll();
  removeDir(tmp);
});

test("a DATA_DIR too deep for a socket path still gets a working, private control socket", async () => {
  const dataDir = path.join(tmp, "a-rather-long-directory-name-".repeat(3), "and-deeper-still", "data");
  expect(Buffer.byteLength(path.join(dataDir, "control.sock"))).toBeGreaterThan(108);
  const env = baseEnv({ DATA_DIR: dataDir });
  const server = await startServer(env);
  try {
    const socketPath = controlSocketPath(dataDir);
    expect(Buffer.byteLength(socketPath)).toBeLessThanOrEqual(103);
    expect(server.output()).toContain(`"socket":"${socketPath}"`);
    expect(fs.statSync(socketPath).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(socketPath)).mode & 0o777).toBe(0o700);

    const created = parseJson<{ name: string; token: string }>(await runCli(["connection", "create", "--name", "deep", "--idp", "generic", "--json"], env));
    expect(created.name).toBe("deep");
    expect(server.output()).toContain('"command":"connection create","outcome":"ok"');
    expect(await server.stop()).toBe(0);
    expect(fs.existsSync(socketPath)).toBe(false);
  } finally {
    await server.stop();
  }
}, 300_000);
