/**
 * The DATA_DIR single-owner lock on its own: who may take it, when a record counts as stale, and the
 * race the issue warns about — several processes starting at once over one stale lock: exactly one wins.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { acquireDataDirLock, DataDirLockedError, findLiveHolder, lockFilePath } from "../../src/runtime/data-dir-lock";
import { projectRoot } from "../../src/project-root";
import { serverArgs } from "../../tools/start-command";
import { baseEnv, deadPid, killAll, makeTempDir, removeDir, startServer } from "./helpers/processes";

let tmp: string;
let counter = 0;
const children = new Set<ChildProcess>();

beforeAll(() => {
  tmp = makeTempDir("gsb-lock-");
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await killAll();
  removeDir(tmp);
});

function dir(): string {
  return path.join(tmp, `d${++counter}`);
}

function writeRecord(dataDir: string, record: Record<string, unknown>): void {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const full = { hostname: os.hostname(), processStartedAt: new Date().toISOString(), acquiredAt: new Date().toISOString(), role: "server", nonce: "n0", ...record };
  fs.writeFileSync(lockFilePath(dataDir), JSON.stringify(full));
}

test("acquire creates DATA_DIR with mode 0700 and a private lock record; release removes it", async () => {
  const dataDir = dir();
  const lock = await acquireDataDirLock(dataDir);
  expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
  const record = JSON.parse(fs.readFileSync(lockFilePath(dataDir), "utf8"));
  expect(record).toMatchObject({ pid: process.pid, hostname: os.hostname(), role: "server" });
  expect(findLiveHolder(dataDir)).toMatchObject({ pid: process.pid });
  await lock.release();
  expect(fs.readdirSync(dataDir)).toEqual([]);
  expect(findLiveHolder(dataDir)).toBeNull();
});

test("a second acquisition is refused while the first holds, even within one process", async () => {
  const dataDir = dir();
  const lock = await acquireDataDirLock(dataDir);
  try {
    await expect(acquireDataDirLock(dataDir, { role: "cli" })).rejects.toThrow(DataDirLockedError);
    await expect(acquireDataDirLock(dataDir)).rejects.toThrow(`DATA_DIR ${path.resolve(dataDir)} is in use by a running gitlab-scim-bridge server (pid ${process.pid}`);
  } finally {
    await lock.release();
  }
});

test("a record whose pid is dead is stale and taken over", async () => {
  const dataDir = dir();
  writeRecord(dataDir, { pid: await deadPid() });
  const lock = await acquireDataDirLock(dataDir);
  expect(JSON.parse(fs.readFileSync(lockFilePath(dataDir), "utf8")).pid).toBe(process.pid);
  await lock.release();
});

test("a record with this process's pid that this process does not hold is a previous incarnation (pid 1 in a restarted container)", async () => {
  const dataDir = dir();
  writeRecord(dataDir, { pid: process.pid, nonce: "previous-life" });
  const lock = await acquireDataDirLock(dataDir);
  expect(lock.holder.nonce).not.toBe("previous-life");
  await lock.release();
});

test("a live pid whose process started long after the record was written is a recycled pid: stale (Linux)", async () => {
  if (process.platform !== "linux") return;
  const dataDir = dir();
  writeRecord(dataDir, { pid: process.ppid, processStartedAt: new Date(Date.now() - 365 * 24 * 3600_000).toISOString() });
  const lock = await acquireDataDirLock(dataDir);
  await lock.release();
});

test("a record from another host is live while its heartbeat is fresh, and stale once the heartbeat stopped", async () => {
  const dataDir = dir();
  writeRecord(dataDir, { pid: await deadPid(), hostname: "some-other-host" });
  // A dead pid proves nothing about another host.
  await expect(acquireDataDirLock(dataDir)).rejects.toThrow(/in use by a running gitlab-scim-bridge server \(pid \d+ on some-other-host/);
  const longAgo = new Date(Date.now() - 10 * 60_000);
  fs.utimesSync(lockFilePath(dataDir), longAgo, longAgo);
  const lock = await acquireDataDirLock(dataDir);
  expect(JSON.parse(fs.readFileSync(lockFilePath(dataDir), "utf8")).hostname).toBe(os.hostname());
  await lock.release();
});

test("release leaves alone a lock that is no longer its own", async () => {
  const dataDir = dir();
  const lock = await acquireDataDirLock(dataDir);
  writeRecord(dataDir, { pid: process.pid, nonce: "someone-else" });
  await lock.release();
  expect(JSON.parse(fs.readFileSync(lockFilePath(dataDir), "utf8")).nonce).toBe("someone-else");
});

test("a lock file that is not ours is reported with a sentence, not parsed as a guess", async () => {
  const dataDir = dir();
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(lockFilePath(dataDir), "garbage");
  await expect(acquireDataDirLock(dataDir)).rejects.toThrow(/is not a gitlab-scim-bridge lock file; remove it if no bridge process uses this directory/);
});

/** The state letter of /proc/PID/stat ("Z" for a zombie), null once the pid is gone. */
function processState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return null;
  }
}

async function until(condition: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test("issue 9 item 5: a server started right after the previous one was killed with -9 starts, although the dead owner is still a zombie (Linux)", async () => {
  if (process.platform !== "linux") return;
  const dataDir = dir();
  const env = baseEnv({ DATA_DIR: dataDir });
  // The first server runs under a parent that never reaps it (sh exec-s into sleep), so after kill -9
  // its pid stays a zombie: kill(pid, 0) still succeeds, as it does until a supervisor calls wait().
  const parent = spawn("sh", ["-c", '"$@" & echo "pid $!"; exec sleep 600', "sh", process.execPath, ...serverArgs()], { env, stdio: ["ignore", "pipe", "inherit"] });
  children.add(parent);
  let out = "";
  parent.stdout!.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
  await until(() => out.includes('"gitlab-scim-bridge listening"'), "the first server's start", 120_000);
  const pid = Number(/^pid (\d+)$/m.exec(out)![1]);
  expect(JSON.parse(fs.readFileSync(lockFilePath(dataDir), "utf8")).pid).toBe(pid);
  process.kill(pid, "SIGKILL");
  await until(() => processState(pid) === "Z", "the killed server becoming a zombie");

  const second = await startServer(env);
  try {
    expect(processState(pid)).toBe("Z");
    expect(JSON.parse(fs.readFileSync(lockFilePath(dataDir), "utf8")).pid).toBe(second.pid);
  } finally {
    expect(await second.stop()).toBe(0);
    parent.kill("SIGKILL");
  }
});

/** A contender process: loads the lock module, says "ready", waits for "go", tries once, reports. */
function contender(dataDir: string): { child: ChildProcess; ready: Promise<void>; outcome: Promise<string> } {
  const modulePath = path.join(projectRoot(), "dist", "src", "runtime", "data-dir-lock.js");
  const script = `
    const { acquireDataDirLock } = require(${JSON.stringify(modulePath)});
    let lock;
    process.stdin.setEncoding("utf8");
    process.stdin.on("data", async (line) => {
      if (line.includes("go")) {
        try { lock = await acquireDataDirLock(${JSON.stringify(dataDir)}, { role: "cli" }); console.log("acquired"); }
        catch (error) { console.log("refused " + error.constructor.name); }
      }
      if (line.includes("release")) { await lock?.release(); process.exit(0); }
    });
    console.log("ready");`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  children.add(child);
  child.on("exit", () => children.delete(child));
  let out = "";
  const ready = new Promise<void>((resolve) => child.stdout!.on("data", (chunk) => ((out += chunk), out.includes("ready") && resolve())));
  const outcome = new Promise<string>((resolve) =>
    child.stdout!.on("data", () => {
      const match = /(acquired|refused \w+)/.exec(out);
      if (match) resolve(match[1]);
    }),
  );
  return { child, ready, outcome };
}

test.each([
  ["over a stale lock", true],
  ["on a fresh directory", false],
])("six processes starting at once %s: exactly one takes the lock", async (_name, withStale) => {
  const dataDir = dir();
  if (withStale) writeRecord(dataDir, { pid: await deadPid(), nonce: "stale" });
  const contenders = Array.from({ length: 6 }, () => contender(dataDir));
  await Promise.all(contenders.map((c) => c.ready));
  for (const c of contenders) c.child.stdin!.write("go\n");
  const outcomes = await Promise.all(contenders.map((c) => c.outcome));
  expect(outcomes.filter((o) => o === "acquired")).toHaveLength(1);
  expect(outcomes.filter((o) => o === "refused DataDirLockedError")).toHaveLength(5);
  const winner = contenders[outcomes.indexOf("acquired")];
  expect(JSON.parse(fs.readFileSync(lockFilePath(dataDir), "utf8")).pid).toBe(winner.child.pid);
  await Promise.all(
    contenders.map((c) => new Promise((resolve) => {
      c.child.once("exit", resolve);
      c.child.stdin!.write("release\n");
    })),
  );
  expect(fs.readdirSync(dataDir)).toEqual([]);
}, 60_000);
