/**
 * Driver-direct SQL on PGlite through named prepared statements. PGlite's own `query` parses and
 * plans every statement anew and crosses into WebAssembly six times per call; on the SCIM hot paths
 * planning alone cost more than executing (EXPLAIN ANALYZE: ~1.1 ms planning, ~0.5 ms execution for
 * a user read). Here each distinct SQL text is parsed once per process (Parse + Describe), and every
 * later call is one Bind/Describe/Execute/Sync round trip, with PostgreSQL's plan cache doing the rest.
 *
 * The statement texts are the code's own constants plus a bounded set of shapes (a CTE present or
 * absent), so the cache stays small; it is capped anyway, oldest statements closed first.
 *
 * Locking is PGlite's: the transaction mutex (no Prisma transaction is open meanwhile, as with
 * PGlite's `query`), then the query mutex; results are parsed with the client's own type parsers.
 */
import { parse, protocol, type PGlite } from "@electric-sql/pglite";
import type { SqlRunner } from "./sql-runner";

const { serialize } = protocol;
const MAX_STATEMENTS = 200;

/*
 * PostgreSQL re-plans a prepared statement for each call (a "custom plan") while it estimates that
 * cheaper than its generic plan, and for these statements it does: planning then costs more than
 * executing. Every statement here is a lookup by primary or unique key whose plan does not depend
 * on the values, so its executions use the generic plan; the setting wraps only them (it is read
 * at execution), and Prisma's own queries on the same connection keep PostgreSQL's default.
 */
const USE_GENERIC_PLAN = serialize.query("SET plan_cache_mode = force_generic_plan");
const USE_DEFAULT_PLAN = serialize.query("RESET plan_cache_mode");

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

export function preparedStatementRunner(client: PGlite): SqlRunner {
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
    const values = params.map((param, i) => {
      if (param === null || param === undefined) return null;
      const serializer = client.serializers[statement.paramTypes[i]];
      return serializer ? serializer(param) : String(param);
    });
    const { messages } = await client.execProtocol(
      concat([USE_GENERIC_PLAN, serialize.bind({ statement: statement.name, values }), serialize.describe({ type: "P" }), serialize.execute({}), serialize.sync(), USE_DEFAULT_PLAN]),
      { syncToFs: false },
    );
    await client.syncToFs();
    // Result sets: the SET, this statement, the RESET.
    return (parse.parseResults(messages, client.parsers)[1]?.rows ?? []) as Row[];
  }

  return {
    async exec(sql) {
      await client.exec(sql);
    },
    async query<Row>(sql: string, params: unknown[] = []) {
      await client.waitReady;
      return client._runExclusiveTransaction(() => client._runExclusiveQuery(() => run<Row>(sql, params)));
    },
  };
}
