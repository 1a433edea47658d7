/**
 * Makes the embedded database's write-ahead log durable, with group commit. PGlite's PostgreSQL runs
 * in WebAssembly, where fdatasync(2) is a no-op, so a commit's WAL reaches only the page cache; this
 * module is the missing fdatasync, done by the bridge (src/db/pglite/node-fs.ts reports every WAL
 * write to it).
 *
 * - `noted`: a WAL segment file was written (sequence number `written` + 1) and is dirty.
 * - `settle()`: resolves once every WAL write made before the call is on disk. Callers settle after a
 *   statement ends and before they answer anyone, outside PGlite's connection mutex, so the next
 *   statements run while the disk works. One sync pass (an fdatasync of each dirty segment, in the
 *   thread pool) covers every write made before the pass started: callers arriving meanwhile wait for
 *   the next pass together (group commit).
 * - `flushNow()`: the same, synchronously, for PostgreSQL's write-ahead rule: before any other file
 *   changes (a data page, pg_control, a truncation, a rename), the WAL that describes it is on disk.
 * - failed: an fdatasync failed. The page cache may have dropped the pages it could not write, so no
 *   later sync could vouch for them (PostgreSQL PANICs here, for the same reason): every later
 *   settle() rejects until the process restarts and recovers from what is on disk.
 */
import fs from "node:fs";

export class WalSyncError extends Error {}

export class WalSync {
  /** Sequence number of the last WAL write seen. */
  private written = 0;
  /** Every WAL write up to this sequence number is on disk. */
  private synced = 0;
  /** Dirty segment files (host paths) with the sequence number of their last write. */
  private readonly dirty = new Map<string, number>();
  private pass: Promise<void> | undefined;
  private failure: WalSyncError | undefined;
  private passes = 0;

  /** WAL writes seen, how many of them are known durable, and group-commit passes run. */
  get stats(): { walWrites: number; durableWalWrites: number; syncPasses: number } {
    return { walWrites: this.written, durableWalWrites: this.synced, syncPasses: this.passes };
  }

  noted(segmentPath: string): void {
    this.dirty.set(segmentPath, ++this.written);
  }

  async settle(): Promise<void> {
    const target = this.written;
    while (this.synced < target) {
      if (this.failure) throw this.failure;
      await (this.pass ??= this.syncPass().finally(() => (this.pass = undefined)));
    }
    if (this.failure) throw this.failure;
  }

  flushNow(): void {
    if (this.failure) throw this.failure;
    if (this.dirty.size === 0) return;
    const upTo = this.written;
    try {
      for (const file of this.dirty.keys()) syncFileNow(file);
    } catch (error) {
      throw this.fail(error);
    }
    this.dirty.clear();
    this.synced = upTo;
  }

  private async syncPass(): Promise<void> {
    this.passes++;
    const upTo = this.written;
    const files = [...this.dirty];
    try {
      await Promise.all(files.map(([file]) => syncFile(file)));
    } catch (error) {
      this.fail(error);
      return;
    }
    // A segment written again during the pass stays dirty for the next one.
    for (const [file, sequence] of files) if (this.dirty.get(file) === sequence) this.dirty.delete(file);
    this.synced = Math.max(this.synced, upTo);
  }

  private fail(error: unknown): WalSyncError {
    this.failure ??= new WalSyncError(
      `the embedded database could not make its write-ahead log durable (${(error as Error).message}); ` +
        "writes are refused until the bridge restarts and recovers from what is on disk",
    );
    return this.failure;
  }
}

// A segment that no longer exists was removed or recycled by a checkpoint, which flushed all WAL
// before touching pg_control (flushNow): nothing in it was still unsynced.
const isGone = (error: unknown) => (error as NodeJS.ErrnoException).code === "ENOENT";

/** fdatasync through a descriptor of our own: PostgreSQL may close (and the process reuse) its own. */
async function syncFile(file: string): Promise<void> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, "r");
  } catch (error) {
    if (isGone(error)) return;
    throw error;
  }
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

function syncFileNow(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch (error) {
    if (isGone(error)) return;
    throw error;
  }
  try {
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
