/**
 * Single owner of DATA_DIR. Embedded PGlite is one connection in one process: two processes opening
 * DATA_DIR/pglite corrupt it. Whoever opens it (the server, or the CLI when no server runs) first takes
 * this lock: DATA_DIR/owner.lock, holding the owner's pid, hostname, process start time and role.
 *
 * States of the lock file: absent → held (live owner) → stale (owner's process gone) → absent.
 * - Taking: the record is written to a private temporary file and hard-linked into place. link(2) is
 *   atomic and fails if the name exists, so of two starters exactly one wins and nobody ever reads a
 *   half-written record (O_EXCL + write would leave such a window).
 * - Stale takeover: two starters may both see the same stale record. Removing it happens under a short
 *   guard (another link-created file) and only if the record is still the one judged stale, so a
 *   starter never deletes a lock that another starter has just taken.
 * - Releasing removes the file only if it still holds our own record.
 * - Liveness: on this host, the owner's pid (and, on Linux, its start time, against recycled pids, and
 *   its state: a process killed with -9 whose parent has not reaped it yet is a zombie, which
 *   kill(pid, 0) still finds, but it owns nothing any more).
 *   A record from another host (a volume reused by a recreated container gets a new hostname) cannot
 *   be checked by pid, so the owner touches the file as a heartbeat and a foreign record whose
 *   heartbeat stopped long ago is stale.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export type LockRole = "server" | "cli";

export interface LockHolder {
  pid: number;
  hostname: string;
  /** When the owning process started (ISO); tells a live owner from a recycled pid. */
  processStartedAt: string;
  acquiredAt: string;
  role: LockRole;
  /** Unique per acquisition: release and takeover compare it, never the pid alone. */
  nonce: string;
}

export interface DataDirLock {
  readonly dataDir: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
}

/** DATA_DIR is owned by someone else; `holder` says who (its role decides what the CLI does next). */
export class DataDirLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `DATA_DIR ${dataDir} is in use by ${describeHolder(holder)}. The embedded PGlite database can be opened by one process only: ` +
        `stop that process first, use the CLI (it goes through a running server), or set DATABASE_URL to use PostgreSQL.`,
    );
  }
}

export const LOCK_FILE = "owner.lock";
const GUARD_FILE = "owner.lock.takeover";
/** A takeover guard lives for microseconds; one older than this was left by a crash and is removed. */
const GUARD_STALE_MS = 10_000;
const GUARD_WAIT_MS = 5_000;
const HEARTBEAT_MS = 15_000;
/** Four missed heartbeats: the owner on the other host is gone. */
const FOREIGN_STALE_MS = 4 * HEARTBEAT_MS;

/** Lock files of this process, so a second acquisition in one process is refused too. */
const heldHere = new Set<string>();

export function lockFilePath(dataDir: string): string {
  return path.join(dataDir, LOCK_FILE);
}

export async function acquireDataDirLock(dataDir: string, options: { role?: LockRole } = {}): Promise<DataDirLock> {
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lockPath = lockFilePath(dir);
  const holder: LockHolder = {
    pid: process.pid,
    hostname: os.hostname(),
    processStartedAt: processStartedAt().toISOString(),
    acquiredAt: new Date().toISOString(),
    role: options.role ?? "server",
    nonce: crypto.randomBytes(12).toString("hex"),
  };
  // Two rounds: the second follows the removal of a stale record.
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryLink(dir, lockPath, holder)) {
      heldHere.add(lockPath);
      return createHandle(dir, lockPath, holder);
    }
    const current = readLockFile(lockPath);
    if (!current) continue; // released between our link and our read: try again
    if (isHolderAlive(current, lockPath)) throw new DataDirLockedError(dir, current);
    await removeStale(dir, lockPath, current);
  }
  const current = readLockFile(lockPath);
  if (current) throw new DataDirLockedError(dir, current);
  throw new Error(`could not take the lock ${lockPath}; try again`);
}

/** The current owner of DATA_DIR if it is alive, else null (no lock or a stale one). */
export function findLiveHolder(dataDir: string): LockHolder | null {
  const lockPath = lockFilePath(path.resolve(dataDir));
  const current = readLockFile(lockPath);
  return current && isHolderAlive(current, lockPath) ? current : null;
}

export function describeHolder(holder: LockHolder): string {
  const what = holder.role === "server" ? "a running gitlab-scim-bridge server" : "a gitlab-scim-bridge CLI command";
  return `${what} (pid ${holder.pid} on ${holder.hostname}, since ${holder.acquiredAt})`;
}

function createHandle(dir: string, lockPath: string, holder: LockHolder): DataDirLock {
  let released = false;
  const heartbeat = setInterval(() => touch(lockPath), HEARTBEAT_MS);
  heartbeat.unref();
  return {
    dataDir: dir,
    holder,
    async release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      heldHere.delete(lockPath);
      if (readLockFile(lockPath)?.nonce === holder.nonce) fs.rmSync(lockPath, { force: true });
    },
  };
}

/** Writes `content` to a private temporary file and links it to `target`; false if `target` exists. */
function linkNew(dir: string, target: string, content: string): boolean {
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${crypto.randomBytes(6).toString("hex")}`);
  fs.writeFileSync(temp, content, { mode: 0o600, flag: "wx" });
  try {
    fs.linkSync(temp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function tryLink(dir: string, lockPath: string, holder: LockHolder): boolean {
  return linkNew(dir, lockPath, `${JSON.stringify(holder)}\n`);
}

function readLockFile(lockPath: string): LockHolder | null {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid === "number" && typeof parsed.hostname === "string" && typeof parsed.nonce === "string") {
      return parsed as LockHolder;
    }
  } catch {
    // fall through: records are linked whole, so garbage is not ours to interpret
  }
  throw new Error(`${lockPath} is not a gitlab-scim-bridge lock file; remove it if no bridge process uses this directory`);
}

function isHolderAlive(holder: LockHolder, lockPath: string): boolean {
  // Another host: its pids mean nothing here; only the heartbeat tells.
  if (holder.hostname !== os.hostname()) return (fileAgeMs(lockPath) ?? 0) <= FOREIGN_STALE_MS;
  if (holder.pid === process.pid) {
    // Our own pid: either this process holds it, or a previous incarnation (pid 1 in a restarted container).
    return heldHere.has(lockPath);
  }
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    // EPERM: the process exists but belongs to another user.
  }
  return !hasExited(holder.pid) && !pidWasRecycled(holder);
}

/** Linux only: the pid is a zombie ('Z') or dying ('X'): it exited, its parent has not reaped it yet. */
function hasExited(pid: number): boolean {
  const state = linuxProcessStat(pid)?.[0];
  return state === "Z" || state === "X";
}

/** Linux only: the pid is alive, but its process started well after the lock's owner did. */
function pidWasRecycled(holder: LockHolder): boolean {
  const started = linuxProcessStart(holder.pid);
  if (!started) return false;
  const recorded = Date.parse(holder.processStartedAt);
  return Number.isFinite(recorded) && Math.abs(started.getTime() - recorded) > 5_000;
}

async function removeStale(dir: string, lockPath: string, stale: LockHolder): Promise<void> {
  const guardPath = path.join(dir, GUARD_FILE);
  await takeGuard(dir, guardPath);
  try {
    // Still the record we judged stale? Another starter may already have replaced it with a live one.
    if (readLockFile(lockPath)?.nonce === stale.nonce) fs.rmSync(lockPath, { force: true });
  } finally {
    fs.rmSync(guardPath, { force: true });
  }
}

async function takeGuard(dir: string, guardPath: string): Promise<void> {
  const deadline = Date.now() + GUARD_WAIT_MS;
  for (;;) {
    if (linkNew(dir, guardPath, `${process.pid}\n`)) return;
    const age = fileAgeMs(guardPath);
    if (age !== null && age > GUARD_STALE_MS) {
      fs.rmSync(guardPath, { force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another process is taking over ${path.join(dir, LOCK_FILE)}; try again`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function fileAgeMs(file: string): number | null {
  try {
    return Date.now() - fs.statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

function touch(file: string): void {
  try {
    const now = new Date();
    fs.utimesSync(file, now, now);
  } catch {
    // Gone or replaced: release and the next starter deal with it; a heartbeat must never throw.
  }
}

let ownStart: Date | undefined;
function processStartedAt(): Date {
  // Computed once: uptime-based arithmetic drifts by milliseconds between calls.
  ownStart ??= linuxProcessStart(process.pid) ?? new Date(Date.now() - process.uptime() * 1000);
  return ownStart;
}

/** The fields of /proc/PID/stat after the command name (state first); null elsewhere or when gone. */
function linuxProcessStat(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** Start time of a process from /proc (field 22 of stat, in clock ticks since boot); null elsewhere. */
function linuxProcessStart(pid: number): Date | null {
  const fields = linuxProcessStat(pid);
  if (!fields) return null;
  try {
    const ticks = Number(fields[19]);
    const bootLine = fs.readFileSync("/proc/stat", "utf8").split("\n").find((line) => line.startsWith("btime "));
    if (!bootLine || !Number.isFinite(ticks)) return null;
    const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ is 100 on every Linux architecture Node supports
    return new Date((Number(bootLine.slice(6)) + ticks / CLOCK_TICKS_PER_SECOND) * 1000);
  } catch {
    return null;
  }
}
