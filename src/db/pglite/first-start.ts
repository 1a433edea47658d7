/**
 * The first start of an embedded database, in a short-lived child process.
 *
 * PGlite's initdb (opening a directory that holds no database yet) grows the process's WebAssembly
 * memory to ~700 MB, and WebAssembly memory never shrinks: a server that ran initdb itself would keep
 * that footprint for its whole life, while opening an existing directory costs ~160 MB. So the server
 * has the database created (initdb + migrations) by a child process that exits, then opens it itself.
 *
 * The child builds the database in a staging directory beside the target and the parent renames it
 * into place once the child has succeeded, so an interrupted first start never leaves a half-created
 * database behind: the next start simply creates it again.
 *
 * With durability "fsync" the child's database is durable as it closes (PostgreSQL's shutdown
 * checkpoint, real fsyncs: node-fs.ts); initdb's files are synced here before the rename, and the
 * rename itself after it, so a crash never leaves a half-written database under the final name.
 *
 * The caller must own DATA_DIR (src/runtime/data-dir-lock.ts) before calling createPGliteDatabase; the child
 * works under that lock and never takes it. Run as a script (by createPGliteDatabase only):
 *   node first-start.js <stagingDir> <durability> [sharedBuffers]
 * It prints {"appliedMigrations": [...]} on stdout and exits 0, or prints the error on stderr and exits 1.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { restrictNewFiles } from "../../runtime/private-files";
import { openDatabase } from "../database";
import type { PGliteDurability } from "./open";
import { syncPath, syncTree } from "./sync-tree";

/** Whether `pgliteDir` already holds a database (PGlite runs initdb exactly when PG_VERSION is missing). */
export function pgliteDatabaseExists(pgliteDir: string): boolean {
  return fs.existsSync(path.join(pgliteDir, "PG_VERSION"));
}

export class PGliteFirstStartError extends Error {}

const STAGING_PREFIX = ".creating-";

/**
 * Creates and migrates the embedded database at `pgliteDir` in a child process. Returns the
 * migrations the child applied. `pgliteDir` must not hold a database yet; an empty directory is fine
 * (it is replaced), a non-empty one is refused rather than overwritten.
 */
export async function createPGliteDatabase(
  pgliteDir: string,
  options: { sharedBuffers?: string; durability: PGliteDurability },
): Promise<{ appliedMigrations: string[] }> {
  const target = path.resolve(pgliteDir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  if (fs.existsSync(target) && fs.readdirSync(target).length > 0) {
    throw new PGliteFirstStartError(`${target} is not empty but holds no database (no PG_VERSION file); move it away or remove it, then start again`);
  }
  // Staging directories left by an interrupted first start (we own DATA_DIR: nobody else uses them).
  const stagingPrefix = `${path.basename(target)}${STAGING_PREFIX}`;
  for (const entry of fs.readdirSync(parent)) {
    if (entry.startsWith(stagingPrefix)) fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
  const staging = path.join(parent, `${stagingPrefix}${process.pid}`);
  try {
    const result = await runChild(staging, options.durability, options.sharedBuffers);
    if (!pgliteDatabaseExists(staging)) throw new PGliteFirstStartError(`the first-start process exited 0 but ${staging} holds no database`);
    if (options.durability === "fsync") syncTree(staging);
    // rename(2) replaces an empty directory; a non-empty one was refused above.
    if (fs.existsSync(target)) fs.rmdirSync(target);
    fs.renameSync(staging, target);
    if (options.durability === "fsync") syncPath(parent);
    return result;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** This file as the child runs it: compiled JavaScript as is; TypeScript (ts-jest, tsx) through tsx. */
function childCommand(): string[] {
  if (__filename.endsWith(".ts")) return ["--require", require.resolve("tsx/cjs"), __filename];
  return [__filename];
}

function runChild(staging: string, durability: PGliteDurability, sharedBuffers: string | undefined): Promise<{ appliedMigrations: string[] }> {
  return new Promise((resolve, reject) => {
    // The IPC channel is only there so that the child notices when this process dies (see below).
    const child = spawn(process.execPath, [...childCommand(), staging, durability, ...(sharedBuffers ? [sharedBuffers] : [])], {
      stdio: ["ignore", "pipe", "pipe", "ipc"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    child.on("error", (error) => reject(new PGliteFirstStartError(`cannot start the process that creates the embedded database: ${error.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) {
        try {
          const parsed = JSON.parse(stdout.trim().split("\n").pop() ?? "") as { appliedMigrations?: unknown };
          if (Array.isArray(parsed.appliedMigrations)) return resolve({ appliedMigrations: parsed.appliedMigrations.map(String) });
        } catch {
          // fall through to the error below
        }
        return reject(new PGliteFirstStartError(`the process that created the embedded database exited 0 without reporting its migrations; stdout: ${stdout.trim()}`));
      }
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const detail = stderr.trim() ? `: ${stderr.trim().split("\n").slice(-10).join("\n")}` : "";
      reject(new PGliteFirstStartError(`creating the embedded database failed (the first-start process ${how})${detail}`));
    });
  });
}

async function childMain(staging: string, durability: PGliteDurability, sharedBuffers: string | undefined): Promise<void> {
  // The parent died (killed during start-up): stop rather than work on unattended.
  process.on("disconnect", () => process.exit(1));
  const db = await openDatabase({ pgliteDir: staging, pgliteSharedBuffers: sharedBuffers, pgliteDurability: durability });
  const appliedMigrations = db.appliedMigrations;
  await db.close();
  await new Promise<void>((resolve) => process.stdout.write(`${JSON.stringify({ appliedMigrations })}\n`, () => resolve()));
}

if (require.main === module) {
  restrictNewFiles();
  const [staging, durability, sharedBuffers] = process.argv.slice(2);
  if (!staging || (durability !== "fsync" && durability !== "off")) {
    process.stderr.write("usage: first-start <stagingDir> fsync|off [sharedBuffers]\n");
    process.exit(2);
  }
  childMain(staging, durability, sharedBuffers).then(
    () => process.exit(0),
    (error: unknown) => {
      // The message is what the parent reports to the operator; the stack would be about this script.
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
