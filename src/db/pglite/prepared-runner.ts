/**
 * Driver-direct SQL on PGlite through named prepared statements. PGlite's own `query` parses and
 * plans every statement anew and crosses into WebAssembly six times per call; on the SCIM hot paths
 * planning alone cost more than executing (EXPLAIN ANALYZE: ~1.1 ms planning, ~0.5 ms execution for
 * a user read). Here each distinct SQL text is parsed once per process (Parse + Describe), and every
 * later call is one Bind/Describe/Execute/Sync round trip, with PostgreSQL's plan cache doing the rest
 * (generic plans: see plan_cache_mode in open.ts).
 *
 * The statement texts are the code's own constants plus a bounded set of shapes (a CTE present or
 * absent), so the cache stays small; it is capped anyway, oldest statements closed first.
 *
 * Locking is PGlite's: the transaction mutex (no Prisma transaction is open meanwhile, as with
 * PGlite's `query`), then the query mutex; results are read by pg-wire.ts with the client's
 * own type parsers. Like the client's own calls, a statement resolves only after settling the WAL
 * (durable-pglite.ts), once the mutexes are released.
 */
import { parse, protocol } from "@electric-sql/pglite";
import type { SqlRunner } from "../sql-runner";
import type { DurablePGlite } from "./durable-pglite";
import { rowsOfReply, runStatementMessage } from "./pg-wire";

const { serialize } = protocol;
const MAX_STATEMENTS = 200;
/** A lone Terminate ('X'): see run(). */
const CLEAR_STREAM_CALLBACK = new Uint8Array([0x58]);

interface Prepared {
  name: string;
  paramTypes: number[];
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Statement names are unique in the process, so two runners on one connection never collide. */
let counter = 0;

export function preparedStatementRunner(client: DurablePGlite): SqlRunner {
  const statements = new Map<string, Prepared>();

  async function prepare(sql: string): Promise<Prepared> {
    if (statements.size >= MAX_STATEMENTS) {
      const [oldestSql, oldest] = statements.entries().next().value as [string, Prepared];
      statements.delete(oldestSql);
      await client.execProtocol(concat([serialize.close({ type: "S", name: oldest.name }), serialize.sync()]), { syncToFs: false });
    }
    const name = `gsb_${++counter}`;
    const { messages } = await client.execProtocol(concat([serialize.parse({ name, text: sql, types: [] }), serialize.describe({ type: "S", name }), serialize.sync()]), { syncToFs: false });
    const prepared = { name, paramTypes: parse.parseDescribeStatementResults(messages) };
    statements.set(sql, prepared);
    return prepared;
  }

  async function run<Row>(sql: string, params: unknown[]): Promise<Row[]> {
    const statement = statements.get(sql) ?? (await prepare(sql));
    const values = params.map((param, i): string | Uint8Array | null => {
      if (param === null || param === undefined) return null;
      const serializer = client.serializers[statement.paramTypes[i]];
      return serializer ? (serializer(param) as string | Uint8Array) : String(param);
    });
    // The raw reply, read by rowsOfReply: PGlite's own reading of it costs as much as the query.
    // Chunks are views into PGlite's memory, valid only during the callback.
    const chunks: Uint8Array[] = [];
    await client.execProtocolRawStream(runStatementMessage(statement.name, values), {
      syncToFs: false,
      onRawData: (chunk) => chunks.push(chunk.slice()),
    });
    // PGlite (0.5) leaves the raw-stream callback installed after execProtocolRawStream, and its next
    // execProtocol (Prisma's queries) would hand its reply to that stale callback instead of reading
    // it. execProtocol clears the callback when it ends; a Terminate byte makes it return before
    // reaching PostgreSQL, so this costs no round trip.
    await client.execProtocol(CLEAR_STREAM_CALLBACK, { syncToFs: false });
    // No syncToFs: PGlite's file systems on Node (NodeFS, memory) write through, their syncToFs does
    // nothing (it is for IndexedDB), and calling it costs a mutex round per statement.
    return rowsOfReply<Row>(chunks.length === 1 ? chunks[0] : concat(chunks), client.parsers);
  }

  return {
    async exec(sql) {
      await client.exec(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      if (!client.ready) await client.waitReady;
      try {
        return await client._runExclusiveTransaction(() => client._runExclusiveQuery(() => run<Row>(sql, params)));
      } finally {
        await client.settle();
      }
    },
  };
}
