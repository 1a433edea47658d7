/**
 * fsync of whole directories, for the one moment PostgreSQL's own fsyncs do not cover: a database
 * created by the first-start child (initdb, then migrations) is moved into place by a rename, which
 * must not reach the disk before the files it names, as initdb's own final sync does it.
 */
import fs from "node:fs";
import path from "node:path";

/** fsyncs every file and directory under `dir`, then `dir` itself. */
export function syncTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) syncTree(full);
    else if (entry.isFile()) syncPath(full);
  }
  syncPath(dir);
}

/** fsync of one file or directory (a directory's entries: files created, renamed or removed in it). */
export function syncPath(target: string): void {
  const fd = fs.openSync(target, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
