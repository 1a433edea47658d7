/**
 * The built bridge as its own process for the benchmarks, started as an operator does (`node [npm
 * start's node options] dist/src/main.js`, read from package.json): the "listening" line gives its URL,
 * after which its logs are read and dropped, as a log shipper that is not there would.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { serverArgs } from "../tools/start-command";

/** The repository root (above dist/), where `npm start` runs the server from. */
export const ROOT = path.join(__dirname, "..", "..");
/** node's arguments for the bridge, as `npm start` gives them (package.json). */
export const SERVER_ARGS = serverArgs(ROOT);
export const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

export interface BridgeProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Resolves once the process has exited, with its exit code or signal. */
  exited: Promise<number | string>;
  /** SIGTERM, then waits for the exit (SIGKILL after STOP_TIMEOUT_MS). */
  stop(): Promise<number | string>;
}

/**
 * Starts the built server as an operator does (`node dist/src/main.js`) and waits for its "listening"
 * line, which carries the URL; after that its logs (produced and serialised as in production) are read
 * and dropped.
 */
export function startBridgeProcess(env: Record<string, string>): Promise<BridgeProcess> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  const child = spawn(process.execPath, SERVER_ARGS, { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "unknown")));
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr = (stderr + chunk).slice(-8192)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return exited;
  };
  return new Promise<BridgeProcess>((resolve, reject) => {
    let buffered = "";
    let listening = false;
    const seen: string[] = [];
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      if (listening) return; // discarded, as a log shipper that is not there would
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop()!;
      for (const line of lines) {
        seen.push(line);
        let record: { msg?: unknown; url?: unknown };
        try {
          record = JSON.parse(line) as typeof record;
        } catch {
          continue;
        }
        if (record.msg === "gitlab-scim-bridge listening" && typeof record.url === "string") {
          listening = true;
          clearTimeout(timer);
          buffered = "";
          return resolve({ child, pid: child.pid!, url: record.url, exited, stop });
        }
      }
    });
    const timer = setTimeout(() => {
      if (listening) return;
      child.kill("SIGKILL");
      reject(new Error(`the bridge did not log "gitlab-scim-bridge listening" within ${START_TIMEOUT_MS / 1000} s\nstdout:\n${seen.join("\n")}${buffered}\nstderr:\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.on("error", reject);
    void exited.then((how) => {
      clearTimeout(timer);
      if (!listening) reject(new Error(`the bridge exited (${how}) before listening\nstdout:\n${seen.join("\n")}${buffered}\nstderr:\n${stderr}`));
    });
  });
}
