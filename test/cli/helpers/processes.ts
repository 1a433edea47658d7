/**
 * Real processes for the CLI tests: the built server (dist/src/main.js, with `npm start`'s node
 * options) and the built CLI (dist/src/cli/main.js), each with its own environment. Waits are on log
 * lines and exits, with deadlines; every spawned process is tracked so a test file can kill what it
 * started.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../../src/project-root";
import { serverArgs } from "../../../tools/start-command";

const ROOT = projectRoot();
/** node's arguments for the server, as `npm start` gives them. */
const SERVER_ARGS = serverArgs(ROOT);
export const CLI_JS = path.join(ROOT, "dist", "src", "cli", "main.js");

const spawned = new Set<ChildProcess>();

/** The parent's environment without anything that would point a child at another database. */
export function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "info", PORT: "0", HOST: "127.0.0.1", ...extra };
  if (!("DATABASE_URL" in extra)) delete env.DATABASE_URL;
  if (!("DATA_DIR" in extra)) delete env.DATA_DIR;
  return env;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<CliRun> {
  return runProcess(process.execPath, [CLI_JS, ...args], env, timeoutMs);
}

export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 180_000, cwd = ROOT): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] }));
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => (stdout += chunk));
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${path.basename(args[0] ?? command)} ${args.slice(1).join(" ")} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  url: string;
  pid: number;
  /** Everything the server wrote so far (JSON log lines). */
  output(): string;
  /** SIGTERM, then waits for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the built server and resolves once it logs "gitlab-scim-bridge listening". */
export function startServer(env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<ServerProcess> {
  const child = track(spawn(process.execPath, SERVER_ARGS, { env, cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }));
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split("\n").find((l) => l.includes('"gitlab-scim-bridge listening"'));
      if (!line) return;
      clearTimeout(timer);
      resolve({
        url: (JSON.parse(line) as { url: string }).url,
        pid: child.pid!,
        output: () => output,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
          return exited;
        },
      });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before listening:\n${output}`));
    });
  });
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export function runServerToExit(env: NodeJS.ProcessEnv, timeoutMs = 180_000): Promise<CliRun> {
  return runProcess(process.execPath, SERVER_ARGS, env, timeoutMs);
}

function track(child: ChildProcess): ChildProcess {
  spawned.add(child);
  child.on("exit", () => spawned.delete(child));
  return child;
}

/** For afterAll: kills whatever this file spawned and is still running, and waits for the exits. */
export async function killAll(): Promise<void> {
  await Promise.all(
    [...spawned].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

export function makeTempDir(prefix = "gsb-cli-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A pid that belonged to a process that has exited (for stale-lock records). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("exit", resolve));
  return child.pid!;
}

export function parseJson<T>(run: CliRun): T {
  if (run.code !== 0) throw new Error(`CLI exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
