/**
 * PGlite's Node file system (Emscripten's NODEFS under PGlite's NodeFS), made to keep owner-only
 * modes and PostgreSQL's durability rules. Hooks on this instance's NODEFS operations, installed
 * before PostgreSQL starts (so initdb and crash recovery are covered too):
 *
 * Private modes, always: Emscripten creates every file 0777 and then chmods it to the mode PostgreSQL
 * asked for less Emscripten's own umask (022), so PGlite's files came out 0666 whatever the process's
 * umask. Modes are clamped to the owner's bits before they reach the host.
 *
 * Durability, with `durable` (PGLITE_DURABILITY=fsync). In WebAssembly, fdatasync(2) does nothing and
 * fsync(2) reaches the file system only if the file system implements it, which NODEFS does not:
 * PostgreSQL, told to fsync, believes it did, and nothing reaches the disk until the kernel writes its
 * cache back. Three hooks:
 * - fsync(2) becomes a real fsync. With fsync=on, PostgreSQL itself fsyncs what needs it at the right
 *   moments: data files and pg_control at every checkpoint, new WAL segments, renamed files and their
 *   directories, the whole data directory after a crash.
 * - A write to a WAL segment is reported to WalSync, which makes it durable when the statement's
 *   caller settles (group commit): PostgreSQL's own WAL flush is the fdatasync that does nothing.
 * - Before any other change (a write outside pg_wal, a truncation, a file created, renamed or removed)
 *   the WAL written so far is made durable at once, synchronously. That is PostgreSQL's write-ahead
 *   rule (a page may reach the disk only after the WAL describing it) and it also orders every
 *   checkpoint: its WAL record is on disk before pg_control points at it, and data files are fsynced
 *   before old WAL is removed. A relation page whose own LSN (pd_lsn, its first 8 bytes) is durable
 *   already needs nothing: that is the page evicted from the buffer pool during a write burst.
 *
 * These are PGlite internals (Module.FS.filesystems.NODEFS and its operation tables), hence the exact
 * version pin of @electric-sql/pglite and test/db/pglite-internals.test.ts.
 */
import fs from "node:fs";
import type { PGliteOptions } from "@electric-sql/pglite";
import { WalSync } from "./wal-sync";

type Filesystem = NonNullable<PGliteOptions["fs"]>;
type EmscriptenOptions = Parameters<Filesystem["init"]>[1];

interface Stream {
  /** Path inside PGlite's virtual file system, e.g. /pglite/data/pg_wal/000000010000000000000001. */
  path: string;
  /** The host file descriptor NODEFS opened. */
  nfd: number;
  node: unknown;
}

/** What this module touches of Emscripten's NODEFS (see the pglite-internals test). */
export interface NodeFsInternals {
  realPath(node: unknown): string;
  tryFSOperation<T>(operation: () => T): T;
  stream_ops: {
    write(stream: Stream, ...rest: unknown[]): number;
    setattr(stream: Stream, ...rest: unknown[]): void;
    fsync?(stream: Stream): number;
  };
  node_ops: Record<string, (...args: unknown[]) => unknown>;
}

interface EmscriptenFs {
  filesystems: { NODEFS: NodeFsInternals };
  ErrnoError: new (errno: number) => Error;
}

/** Emscripten's errno for EIO. */
const EMSCRIPTEN_EIO = 29;
const WAL_SEGMENT = /\/pg_wal\/[0-9A-F]{24}$/;
/** Relation data files: base/<db>/<relfilenode>[_fsm|_vm|_init][.<segment>] and global/<relfilenode>. */
const RELATION_FILE = /\/(base\/\d+|global)\/\d+(_fsm|_vm|_init)?(\.\d+)?$/;
/** PostgreSQL's block size (BLCKSZ) and WAL page size (XLOG_BLCKSZ) in PGlite's build. */
const PAGE = 8192;
const TWO_TO_32 = 2 ** 32;
const IN_WAL_DIR = /\/pg_wal\//;
/** Operations that change a file's name, existence or size: each waits for the WAL before it. */
const ORDERED_NODE_OPS = ["mknod", "rename", "unlink", "rmdir", "setattr", "symlink"];

// PGlite's package exports its NodeFS at a subpath that this project's module resolution (node10)
// does not type; the runtime require resolves it through the package's exports map.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { NodeFS } = require("@electric-sql/pglite/nodefs") as { NodeFS: new (dataDir: string) => Filesystem };

export class BridgeNodeFS extends NodeFS {
  /** Null when not durable. */
  readonly wal: WalSync | null;

  constructor(dataDir: string, options: { durable: boolean }) {
    super(dataDir);
    this.wal = options.durable ? new WalSync() : null;
  }

  override async init(pg: Parameters<Filesystem["init"]>[0], options: EmscriptenOptions): Promise<{ emscriptenOpts: EmscriptenOptions }> {
    const { emscriptenOpts } = await super.init(pg, options);
    const install = (mod: { FS: unknown }) => {
      const FS = mod.FS as EmscriptenFs;
      keepModesPrivate(FS.filesystems.NODEFS);
      if (this.wal) keepDurable(FS, this.wal);
    };
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), install] } };
  }

  override async closeFs(): Promise<void> {
    await super.closeFs();
    this.wal?.close();
  }
}

const OWNER_ONLY = ~0o077;

function keepModesPrivate(nodefs: NodeFsInternals): void {
  const { mknod, setattr } = nodefs.node_ops;
  nodefs.node_ops.mknod = function (parent, name, mode, ...rest) {
    return mknod.call(this, parent, name, (mode as number) & OWNER_ONLY, ...rest);
  };
  nodefs.node_ops.setattr = function (node, attr: unknown) {
    const { mode } = attr as { mode?: number };
    return setattr.call(this, node, mode === undefined ? attr : { ...(attr as object), mode: mode & OWNER_ONLY });
  };
  const streamSetattr = nodefs.stream_ops.setattr;
  nodefs.stream_ops.setattr = function (stream, attr: unknown, ...rest) {
    const { mode } = attr as { mode?: number };
    streamSetattr.call(this, stream, mode === undefined ? attr : { ...(attr as object), mode: mode & OWNER_ONLY }, ...rest);
  };
}

function keepDurable(FS: EmscriptenFs, wal: WalSync): void {
  const nodefs = FS.filesystems.NODEFS;
  const ordered = () => {
    try {
      wal.flushNow();
    } catch {
      // PostgreSQL sees an I/O error on the write it was about to make, and stops (PANIC) as it would.
      throw new FS.ErrnoError(EMSCRIPTEN_EIO);
    }
  };
  /** Host path of a WAL segment stream, null for other files; computed once per open stream. */
  const segments = new WeakMap<Stream, string | null>();
  const segmentOf = (stream: Stream): string | null => {
    let found = segments.get(stream);
    if (found === undefined) {
      found = WAL_SEGMENT.test(stream.path) ? nodefs.realPath(stream.node) : null;
      segments.set(stream, found);
    }
    return found;
  };

  const { write, setattr } = nodefs.stream_ops;
  nodefs.stream_ops.write = function (stream, buffer, offset, length, position, ...rest) {
    const segment = segmentOf(stream);
    if (segment === null && !IN_WAL_DIR.test(stream.path)) {
      const pageLsn = RELATION_FILE.test(stream.path) ? maxPageLsn(buffer, offset, length, position) : null;
      if (pageLsn === null || !wal.isDurable(pageLsn)) ordered();
    }
    const written = write.call(this, stream, buffer, offset, length, position, ...rest);
    if (segment !== null) wal.noted(segment, walEndLsn(buffer, offset, length, position));
    return written;
  };
  nodefs.stream_ops.setattr = function (stream, ...rest) {
    ordered();
    setattr.call(this, stream, ...rest);
  };
  nodefs.stream_ops.fsync = (stream) => {
    nodefs.tryFSOperation(() => fs.fsyncSync(stream.nfd));
    return 0;
  };
  for (const name of ORDERED_NODE_OPS) {
    const operation = nodefs.node_ops[name];
    nodefs.node_ops[name] = function (...args: unknown[]) {
      ordered();
      return operation.apply(this, args);
    };
  }
}

type Heap = { buffer: ArrayBufferLike; byteOffset: number };

function view(buffer: unknown, offset: unknown): DataView | null {
  const heap = buffer as Heap;
  if (!heap || !(heap.buffer instanceof ArrayBuffer || heap.buffer instanceof SharedArrayBuffer) || typeof offset !== "number") return null;
  return new DataView(heap.buffer, heap.byteOffset + offset);
}

/** Whole pages at page boundaries: how PostgreSQL writes both relation blocks and WAL. */
function wholePages(length: unknown, position: unknown): length is number {
  return typeof length === "number" && typeof position === "number" && length > 0 && length % PAGE === 0 && position % PAGE === 0;
}

/** The highest pd_lsn ({uint32 xlogid; uint32 xrecoff}) of the relation pages written; null if not pages. */
function maxPageLsn(buffer: unknown, offset: unknown, length: unknown, position: unknown): number | null {
  const pages = view(buffer, offset);
  if (!pages || !wholePages(length, position)) return null;
  let max = 0;
  for (let at = 0; at < length; at += PAGE) max = Math.max(max, pages.getUint32(at, true) * TWO_TO_32 + pages.getUint32(at + 4, true));
  return max;
}

/** End of a WAL write: the first page's header holds its own position (xlp_pageaddr, a uint64 at 8). */
function walEndLsn(buffer: unknown, offset: unknown, length: unknown, position: unknown): number | null {
  const pages = view(buffer, offset);
  if (!pages || !wholePages(length, position)) return null;
  return pages.getUint32(12, true) * TWO_TO_32 + pages.getUint32(8, true) + length;
}
