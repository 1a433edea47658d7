/**
 * DATA_DIR holds the directory's PII (SCIM users), token hashes, the audit trail and the WAL that can
 * rewrite all of them: only its owner may read or change anything in it, whether the directory was
 * created here or existed before (Docker's /data, a directory made by hand, files a PGlite of an
 * earlier version created 0644 or 0666).
 *
 * - `restrictNewFiles()`: umask 077 for the whole process, set first thing by every entry point that
 *   may create files (server, CLI, the first-start child), so nothing is ever created wider, if only
 *   for a moment — PGlite's NODEFS creates files with PostgreSQL's modes, but directories and sockets
 *   follow the umask alone.
 * - `makePrivate(dir)`: creates `dir` (0700) or narrows an existing one to 0700, and takes group and
 *   other bits off everything inside it (symbolic links are not followed).
 */
import fs from "node:fs";
import path from "node:path";

const PRIVATE_UMASK = 0o077;

export function restrictNewFiles(): void {
  process.umask(PRIVATE_UMASK);
}

export function makePrivate(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  narrow(dir, fs.lstatSync(dir));
}

function narrow(target: string, stat: fs.Stats): void {
  if (stat.isSymbolicLink()) return;
  if (stat.mode & 0o077) fs.chmodSync(target, stat.mode & 0o700);
  if (!stat.isDirectory()) return;
  for (const entry of fs.readdirSync(target)) {
    const child = path.join(target, entry);
    narrow(child, fs.lstatSync(child));
  }
}
