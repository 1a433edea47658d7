/**
 * Design "Interfaces": with no GITLAB_URL, `npm start` runs against the bundled GitLab emulator and says
 * so loudly; with GITLAB_URL set, it talks to that GitLab and starts no emulator.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { startBridge, type RunningBridge } from "../../src/main";
import { createPostgresDatabase, testServerUrl } from "../helpers/database";

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

async function startWith(env: Record<string, string>) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-gitlab-"));
  const serverUrl = testServerUrl();
  const pgDb = serverUrl ? await createPostgresDatabase(serverUrl) : undefined;
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, ...(pgDb ? { DATABASE_URL: pgDb.url } : {}), ...env });
  const { logger, lines } = capturingLogger();
  const bridge = await startBridge(config, logger);
  return {
    bridge,
    lines,
    async stop() {
      await bridge.stop();
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe("GitLab target of a started bridge", () => {
  let running: { bridge: RunningBridge; lines: Record<string, unknown>[]; stop(): Promise<void> } | undefined;
  afterEach(async () => {
    await running?.stop();
    running = undefined;
  });

  it("without GITLAB_URL starts the bundled emulator, warns loudly, and its token is a GitLab admin token", async () => {
    running = await startWith({});
    const { gitlab } = running.bridge;
    expect(gitlab.emulated).toBe(true);
    const warning = running.lines.find((line) => line.level === 40 && String(line.msg).includes("BUNDLED GITLAB EMULATOR"));
    expect(warning).toMatchObject({ gitlabUrl: gitlab.url });
    expect(JSON.stringify(running.lines)).not.toContain(gitlab.token);
    const res = await fetch(`${gitlab.url}/api/v4/user`, { headers: { "PRIVATE-TOKEN": gitlab.token } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ username: "root", is_admin: true });
  });

  it("with GITLAB_URL and GITLAB_TOKEN uses them and starts no emulator", async () => {
    running = await startWith({ GITLAB_URL: "https://gitlab.example.com/", GITLAB_TOKEN: "glpat-test" });
    expect(running.bridge.gitlab).toMatchObject({ url: "https://gitlab.example.com", token: "glpat-test", emulated: false });
    expect(running.lines.some((line) => String(line.msg).includes("BUNDLED GITLAB EMULATOR"))).toBe(false);
  });
});
