/**
 * The PGlite internals this project reaches into, held to what the code assumes, so that an upgrade of
 * the exactly pinned @electric-sql/pglite (package.json) fails here first rather than in production:
 * - the prepared-statement runner (src/db/pglite/prepared-runner.ts, pg-wire.ts): execProtocol,
 *   execProtocolRawStream with its stale-callback behaviour, the connection mutexes, the client's
 *   serializers and parsers, the wire protocol serializer and parser;
 * - the file system hooks (src/db/pglite/node-fs.ts): the "@electric-sql/pglite/nodefs" subpath,
 *   Emscripten's NODEFS operation tables, stream paths under /pglite/data, and what PostgreSQL does
 *   through them (WAL writes reported and settled, files created owner-only);
 * - pglite-prisma-adapter (exactly pinned too) calling only query, exec and transaction, which
 *   DurablePGlite overrides.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parse, PGlite, protocol } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { DurablePGlite } from "../../src/db/pglite/durable-pglite";
import { BridgeNodeFS, type NodeFsInternals } from "../../src/db/pglite/node-fs";
import { rowsOfReply, runStatementMessage } from "../../src/db/pglite/pg-wire";

jest.setTimeout(120_000);

let dir: string;
let nodeFs: BridgeNodeFS;
let client: DurablePGlite;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-internals-"));
  nodeFs = new BridgeNodeFS(path.join(dir, "pglite"), { durable: true });
  client = new DurablePGlite({ fs: nodeFs, startParams: [...PGlite.defaultStartParams, "-c", "fsync=on"] }, nodeFs.wal);
  await client.waitReady;
});

afterAll(async () => {
  await client?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("the members the prepared runner calls exist: execProtocol, execProtocolRawStream, _runExclusiveQuery, _runExclusiveTransaction, serializers, parsers", () => {
  for (const member of ["execProtocol", "execProtocolRawStream", "_runExclusiveQuery", "_runExclusiveTransaction"] as const) expect(typeof client[member]).toBe("function");
  expect(typeof client.serializers[25]).toBe("function"); // text
  expect(typeof client.parsers[23]).toBe("function"); // int4
  expect(typeof protocol.serialize.parse).toBe("function");
  expect(typeof protocol.serialize.describe).toBe("function");
  expect(typeof protocol.serialize.close).toBe("function");
  expect(typeof protocol.serialize.sync).toBe("function");
  expect(typeof parse.parseDescribeStatementResults).toBe("function");
  expect(typeof protocol.Parser).toBe("function");
  expect(typeof protocol.messages.DatabaseError).toBe("function");
});

test("a statement prepared with execProtocol runs through execProtocolRawStream, and PGlite's own query still works after the Terminate byte that clears the stream callback", async () => {
  const { serialize } = protocol;
  const framed = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
  const prepared = await client.execProtocol(framed([serialize.parse({ name: "probe", text: "SELECT $1::int + 1 AS n, $2::text AS t", types: [] }), serialize.describe({ type: "S", name: "probe" }), serialize.sync()]), { syncToFs: false });
  const paramTypes = parse.parseDescribeStatementResults(prepared.messages);
  expect(paramTypes).toEqual([23, 25]);
  const chunks: Uint8Array[] = [];
  await client._runExclusiveTransaction(() =>
    client._runExclusiveQuery(async () => {
      await client.execProtocolRawStream(runStatementMessage("probe", [client.serializers[23](41) as string, "x"]), { syncToFs: false, onRawData: (chunk) => chunks.push(chunk.slice()) });
      // PGlite 0.5 leaves the raw-stream callback installed (prepared-runner.ts clears it this way).
      await client.execProtocol(new Uint8Array([0x58]), { syncToFs: false });
    }),
  );
  expect(rowsOfReply(framed(chunks), client.parsers)).toEqual([{ n: 42, t: "x" }]);
  expect((await client.query<{ ok: number }>("SELECT 1 AS ok")).rows).toEqual([{ ok: 1 }]);
});

test("NODEFS is reachable and has the operations node-fs.ts wraps, and its streams carry /pglite/data paths", async () => {
  const FS = client.Module.FS as unknown as { filesystems: { NODEFS: NodeFsInternals }; streams: ({ path: string } | null)[]; ErrnoError: unknown };
  const nodefs = FS.filesystems.NODEFS;
  for (const op of ["write", "setattr", "fsync"] as const) expect(typeof nodefs.stream_ops[op]).toBe("function");
  for (const op of ["mknod", "rename", "unlink", "rmdir", "setattr", "symlink"]) expect(typeof nodefs.node_ops[op]).toBe("function");
  expect(typeof nodefs.realPath).toBe("function");
  expect(typeof nodefs.tryFSOperation).toBe("function");
  expect(typeof FS.ErrnoError).toBe("function");
  const walStreams = FS.streams.filter((s) => s && /^\/pglite\/data\/pg_wal\/[0-9A-F]{24}$/.test(s.path));
  expect(walStreams.length).toBeGreaterThan(0);
});

test("PostgreSQL's WAL writes reach the hooks and a statement resolves only once they are durable; files are created owner-only", async () => {
  const before = nodeFs.wal!.stats;
  await client.exec("CREATE TABLE probe (id int PRIMARY KEY)");
  await client.query("INSERT INTO probe VALUES ($1)", [1]);
  const after = nodeFs.wal!.stats;
  expect(after.walWrites).toBeGreaterThan(before.walWrites);
  expect(after.durableWalWrites).toBe(after.walWrites);
  expect(after.syncPasses).toBeGreaterThan(before.syncPasses);
  const [{ file }] = (await client.query<{ file: string }>("SELECT pg_relation_filepath('probe') AS file")).rows;
  await client.exec("CHECKPOINT");
  expect(fs.statSync(path.join(dir, "pglite", file)).mode & 0o777).toBe(0o600);
});

test("group commit: concurrent commits share fdatasync passes, and each resolves only once its WAL is durable", async () => {
  await client.exec("CREATE TABLE burst (id int PRIMARY KEY)");
  const before = nodeFs.wal!.stats;
  await Promise.all(Array.from({ length: 100 }, (_, i) => client.query("INSERT INTO burst VALUES ($1)", [i])));
  const after = nodeFs.wal!.stats;
  expect(after.durableWalWrites).toBe(after.walWrites);
  expect(after.syncPasses - before.syncPasses).toBeGreaterThanOrEqual(1);
  expect(after.syncPasses - before.syncPasses).toBeLessThan(100);
});

test("pglite-prisma-adapter reaches the client only through query, exec and transaction (the calls DurablePGlite settles)", async () => {
  const used = new Set<string>();
  const spy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      used.add(String(property));
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });
  const adapter = await new PrismaPGlite(spy).connect();
  await adapter.queryRaw({ sql: "SELECT $1::int AS n", args: [1], argTypes: [{ scalarType: "int", arity: "scalar" }] } as never);
  const tx = await adapter.startTransaction();
  await tx.queryRaw({ sql: "INSERT INTO probe VALUES (2)", args: [], argTypes: [] } as never);
  await tx.commit();
  expect([...used].sort()).toEqual(["query", "transaction"]);
});
