/**
 * The whole bridge as `npm start` composes it (src/main.ts startBridge), in-process on port 0, with its
 * log lines captured: on embedded PGlite under a DATA_DIR, or — when TEST_DATABASE_URL is set — on a
 * PostgreSQL database of its own. Creating an embedded database costs seconds, so a test file makes one
 * `BridgeHome` and starts and stops bridges on it as often as it needs.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { loadConfig } from "../../src/config";
import { createPGliteDatabase } from "../../src/db/pglite/first-start";
import { startBridge, type RunningBridge } from "../../src/main";
import { createPostgresDatabase, testServerUrl } from "./database";

export interface CapturedLines {
  lines: Record<string, unknown>[];
  logger: pino.Logger;
}

export function capturingLogger(): CapturedLines {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "info" }, sink), lines };
}

export interface BridgeHome {
  /** Environment that points a bridge at this home's database. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

/** A DATA_DIR with its embedded database created (or a fresh PostgreSQL database). */
export async function createBridgeHome(): Promise<BridgeHome> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-home-"));
  const serverUrl = testServerUrl();
  const pgDb = serverUrl ? await createPostgresDatabase(serverUrl) : undefined;
  if (!pgDb) await createPGliteDatabase(path.join(dataDir, "pglite"), { sharedBuffers: "16MB", durability: "off" });
  return {
    env: { DATA_DIR: dataDir, ...(pgDb ? { DATABASE_URL: pgDb.url } : { PGLITE_DURABILITY: "off" }) },
    async remove() {
      await pgDb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface StartedBridge extends CapturedLines {
  bridge: RunningBridge;
  /** Resolves with the first captured log line the predicate accepts, or fails after the deadline. */
  waitForLine(predicate: (line: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export async function startBridgeIn(home: BridgeHome, env: Record<string, string> = {}, captured: CapturedLines = capturingLogger()): Promise<StartedBridge> {
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", ...home.env, ...env });
  const bridge = await startBridge(config, captured.logger);
  return { ...captured, bridge, waitForLine: (predicate, what, timeoutMs) => waitFor(() => captured.lines.find(predicate), what, timeoutMs) };
}

/** Polls `probe` (a sync or async check) until it returns a value, with a deadline; no fixed sleeps. */
export async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
