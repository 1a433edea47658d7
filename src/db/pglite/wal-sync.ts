/**
 * Makes the embedded database's write-ahead log durable, with group commit. PGlite's PostgreSQL runs
 * in WebAssembly, where fdatasync(2) is a no-op, so a commit's WAL reaches only the page cache; this
 * module is the missing fdatasync, done by the bridge (src/db/pglite/node-fs.ts reports every WAL
 * write to it).
 *
 * - `noted`: a WAL segment file was written (sequence number `written` + 1, up to WAL position
 *   `endLsn`) and is dirty.
 * - `settle()`: resolves once every WAL write made before the call is on disk. Callers settle after a
 *   statement ends and before they answer anyone, outside PGlite's connection mutex, so the next
 *   statements run while the disk works. One sync pass (an fdatasync of each dirty segment, in the
 *   thread pool) covers every write made before the pass started: callers arriving meanwhile wait for
 *   the next pass together (group commit).
 * - `flushNow()`: the same, synchronously, for PostgreSQL's write-ahead rule: before any other file
 *   changes (a data page, pg_control, a truncation, a rename), the WAL that describes it is on disk.
 *   `isDurable(lsn)` spares it for a data page whose WAL (up to the page's LSN) is on disk already,
 *   the usual case for a page evicted from the buffer pool; without it every eviction during a write
 *   burst would wait for a synchronous fdatasync.
 * - failed: an fdatasync failed. The page cache may have dropped the pages it could not write, so no
 *   later sync could vouch for them (PostgreSQL PANICs here, for the same reason): every later
 *   settle() rejects until the process restarts and recovers from what is on disk.
 *
 * Descriptors are our own (PostgreSQL may close its own, and the process reuse the number), one per
 * segment, kept open while PostgreSQL writes that segment: a pass is then one thread-pool job per
 * segment. A segment PostgreSQL has moved on from is closed by the next pass that finds it clean; only
 * passes close, and one pass runs at a time, so no fdatasync ever runs on a closed descriptor.
 */
import fs from "node:fs";

export class WalSyncError extends Error {}

export interface WalSyncStats {
  /** WAL writes seen. */
  walWrites: number;
  /** Of those, how many are known to be on disk. */
  durableWalWrites: number;
  /** Group-commit passes run. */
  syncPasses: number;
  /** Synchronous flushes forced by the write-ahead rule (a data page written while WAL was dirty). */
  immediateFlushes: number;
}

export class WalSync {
  /** Sequence number of the last WAL write seen. */
  private written = 0;
  /** Every WAL write up to this sequence number is on disk. */
  private synced = 0;
  /** WAL position (LSN) written so far, and the one known to be on disk. */
  private writtenLsn = 0;
  private durableLsn = 0;
  /** False once a WAL write's position could not be read: isDurable then answers false. */
  private exactLsn = true;
  /** Dirty segment files (host paths) with the sequence number of their last write. */
  private readonly dirty = new Map<string, number>();
  private readonly descriptors = new Map<string, number>();
  private current: string | undefined;
  private pass: Promise<void> | undefined;
  private failure: WalSyncError | undefined;
  private passes = 0;
  private immediateFlushes = 0;

  get stats(): WalSyncStats {
    return { walWrites: this.written, durableWalWrites: this.synced, syncPasses: this.passes, immediateFlushes: this.immediateFlushes };
  }

  noted(segmentPath: string, endLsn: number | null): void {
    this.current = segmentPath;
    this.dirty.set(segmentPath, ++this.written);
    if (endLsn === null) this.exactLsn = false;
    else this.writtenLsn = Math.max(this.writtenLsn, endLsn);
  }

  /** Whether the WAL up to `lsn` is known to be on disk. */
  isDurable(lsn: number): boolean {
    return this.exactLsn && lsn <= this.durableLsn;
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
    this.immediateFlushes++;
    const upTo = this.written;
    const upToLsn = this.writtenLsn;
    try {
      for (const file of this.dirty.keys()) {
        const fd = this.descriptorOf(file);
        if (fd !== null) fs.fdatasyncSync(fd);
      }
    } catch (error) {
      throw this.fail(error);
    }
    this.dirty.clear();
    this.synced = upTo;
    this.durableLsn = upToLsn;
  }

  /** Closes the descriptors (the database is closing; PostgreSQL's shutdown has flushed everything). */
  close(): void {
    for (const fd of this.descriptors.values()) fs.closeSync(fd);
    this.descriptors.clear();
  }

  private async syncPass(): Promise<void> {
    this.passes++;
    const upTo = this.written;
    const upToLsn = this.writtenLsn;
    const files = [...this.dirty];
    try {
      await Promise.all(
        files.map(([file]) => {
          const fd = this.descriptorOf(file);
          return fd === null ? undefined : new Promise<void>((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
        }),
      );
    } catch (error) {
      this.fail(error);
      return;
    }
    // A segment written again during the pass stays dirty for the next one.
    for (const [file, sequence] of files) if (this.dirty.get(file) === sequence) this.dirty.delete(file);
    this.synced = Math.max(this.synced, upTo);
    this.durableLsn = Math.max(this.durableLsn, upToLsn);
    for (const [file, fd] of this.descriptors) {
      if (file !== this.current && !this.dirty.has(file)) {
        this.descriptors.delete(file);
        fs.closeSync(fd);
      }
    }
  }

  /**
   * Our descriptor for a segment; null if the segment no longer exists: it was removed or recycled by
   * a checkpoint, which flushed all WAL before touching pg_control (flushNow), so nothing in it was
   * still unsynced.
   */
  private descriptorOf(file: string): number | null {
    let fd = this.descriptors.get(file);
    if (fd === undefined) {
      try {
        fd = fs.openSync(file, "r");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw error;
      }
      this.descriptors.set(file, fd);
    }
    return fd;
  }

  private fail(error: unknown): WalSyncError {
    this.failure ??= new WalSyncError(
      `the embedded database could not make its write-ahead log durable (${(error as Error).message}); ` +
        "writes are refused until the bridge restarts and recovers from what is on disk",
    );
    return this.failure;
  }
}
