/**
 * The built server (dist/src/main.js) as a real child process: its stdout JSON lines collected, the
 * URL read from its "listening" line, waits on conditions with deadlines, and a kill on cleanup.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { serverArgs } from "../../tools/start-command";

export const ROOT = path.join(__dirname, "..", "..");
export const MAIN = path.join(ROOT, "dist", "src", "main.js");
export const CLI = path.join(ROOT, "dist", "src", "cli", "main.js");
/** node's arguments for the server, as `npm start` gives them. */
export const SERVER_ARGS = serverArgs(ROOT);

export function requireBuilt(): void {
  for (const file of [MAIN, CLI]) {
    if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` (npm test does it first)`);
  }
}

/** The environment of a child: ours minus anything that would point it at another database. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "info", ...extra };
  delete env.NODE_OPTIONS; // jest's --experimental-vm-modules is for the test runner only
  if (!("DATABASE_URL" in extra)) delete env.DATABASE_URL;
  return env;
}

export interface BridgeProcess {
  child: ChildProcess;
  url: string;
  /** stdout lines, in order. */
  lines: string[];
  stderr(): string;
  waitForLine(predicate: (record: Record<string, unknown>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  kill(): Promise<void>;
}

/** `wrapper`: a command that runs the server, e.g. ["strace", "-f", "-o", file] (its own output aside). */
export async function startBridgeProcess(env: Record<string, string>, timeoutMs = 45_000, wrapper: string[] = []): Promise<BridgeProcess> {
  requireBuilt();
  const [command, ...args] = [...wrapper, process.execPath, ...SERVER_ARGS];
  const child = spawn(command, args, { cwd: ROOT, env: childEnv({ PORT: "0", HOST: "127.0.0.1", ...env }), stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let stderr = "";
  const waiters = new Set<() => void>();
  let buffered = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts.filter((line) => line.trim()));
    for (const wake of waiters) wake();
  });
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => {
    resolve(code ?? signal ?? "unknown");
    for (const wake of waiters) wake();
  }));
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  const parse = (line: string): Record<string, unknown> | undefined => {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  };
  const waitForLine: BridgeProcess["waitForLine"] = (predicate, what, ms = timeoutMs) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = lines.map(parse).find((record) => record && predicate(record));
        if (found) return done(() => resolve(found));
        if (hasExited) return done(() => reject(new Error(`process exited before logging ${what}; stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`)));
      };
      const timer = setTimeout(() => done(() => reject(new Error(`no ${what} within ${ms} ms; stdout:\n${lines.join("\n")}\nstderr:\n${stderr}`))), ms);
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const kill = async () => {
    if (!hasExited) {
      child.kill("SIGKILL");
      await exited;
    }
  };
  try {
    const listening = await waitForLine((r) => r.msg === "gitlab-scim-bridge listening", "\"gitlab-scim-bridge listening\" line");
    return { child, url: String(listening.url), lines, stderr: () => stderr, waitForLine, exited, kill };
  } catch (error) {
    await kill();
    throw error;
  }
}

/** Runs the CLI to completion (it opens DATA_DIR itself when no server owns it). */
export function runCli(args: string[], env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  requireBuilt();
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: childEnv(env), encoding: "utf8", timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
