/**
 * What a migrated database really holds, read from pg_catalog, in the same one-line facts as
 * test/db/prisma-schema.ts produces from schema.prisma. Defaults are normalised the way Prisma reads
 * them back (nextval(...) → autoincrement(), CURRENT_TIMESTAMP → now(), casts of literals dropped).
 * Prisma's own bookkeeping table `_prisma_migrations` is not part of the data model and is left out.
 */
import type { SqlRunner } from "../../src/db/sql-runner";

const BOOKKEEPING = ["_prisma_migrations"];

export async function describeDatabase(sql: SqlRunner): Promise<string[]> {
  const facts: string[] = [];

  const enums = await sql.query<{ name: string; labels: string[] }>(`
    SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
    FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE n.nspname = current_schema() GROUP BY t.typname`);
  for (const e of enums) facts.push(`enum ${e.name} (${e.labels.join(", ")})`);

  const tables = await sql.query<{ name: string }>(`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`);
  for (const t of tables) if (!BOOKKEEPING.includes(t.name)) facts.push(`table ${t.name}`);

  const columns = await sql.query<{ table: string; column: string; type: string; not_null: boolean; default: string | null; identity: string }>(`
    SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped`);
  for (const col of columns) {
    if (BOOKKEEPING.includes(col.table)) continue;
    const dflt = col.identity ? "autoincrement()" : normaliseDefault(col.default);
    facts.push(`column ${col.table}.${col.column} ${col.type} ${col.not_null ? "NOT NULL" : "NULL"}${dflt === undefined ? "" : ` DEFAULT ${dflt}`}`);
  }

  const constraints = await sql.query<{ table: string; name: string; type: string; columns: string[]; ref_table: string | null; ref_columns: string[] | null; on_delete: string; on_update: string }>(`
    SELECT c.relname AS table, k.conname AS name, k.contype AS type,
           ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, i)
                 JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.i) AS columns,
           rc.relname AS ref_table,
           ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(attnum, i)
                 JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.attnum ORDER BY u.i) AS ref_columns,
           k.confdeltype AS on_delete, k.confupdtype AS on_update
    FROM pg_constraint k
    JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class rc ON rc.oid = k.confrelid
    WHERE n.nspname = current_schema() AND k.contype IN ('p', 'f', 'u', 'c', 'x')`);
  for (const k of constraints) {
    if (BOOKKEEPING.includes(k.table)) continue;
    switch (k.type) {
      case "p":
        facts.push(`primary key ${k.name} on ${k.table} (${k.columns.join(", ")})`);
        break;
      case "f":
        facts.push(
          `foreign key ${k.name} on ${k.table} (${k.columns.join(", ")}) references ${k.ref_table} (${(k.ref_columns ?? []).join(", ")}) on delete ${ACTIONS[k.on_delete]} on update ${ACTIONS[k.on_update]}`,
        );
        break;
      default:
        // schema.prisma cannot express UNIQUE/CHECK/EXCLUDE constraints (Prisma writes unique indexes).
        facts.push(`constraint ${k.name} (type ${k.type}) on ${k.table} that schema.prisma cannot express`);
    }
  }

  const indexes = await sql.query<{ table: string; name: string; unique: boolean; method: string; columns: string[]; predicate: string | null; constraint: boolean }>(`
    SELECT c.relname AS table, ic.relname AS name, i.indisunique AS unique, am.amname AS method,
           ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) ||
                        CASE WHEN i.indoption[k - 1] & 1 = 1 THEN ' DESC' ELSE '' END
                 FROM generate_series(1, i.indnkeyatts) k ORDER BY k) AS columns,
           pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
           EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')) AS constraint
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = ic.relam
    WHERE n.nspname = current_schema()`);
  for (const index of indexes) {
    // Indexes backing constraints are described by their constraint above.
    if (BOOKKEEPING.includes(index.table) || index.constraint) continue;
    const columns = index.columns.map((c) => c.replace(/^"(.*)"( DESC)?$/, "$1$2")).join(", ");
    // PostgreSQL prints a partial index's predicate in parentheses; schema.prisma's raw("…") has none.
    const partial = index.predicate === null ? "" : ` WHERE ${index.predicate.replace(/^\((.*)\)$/, "$1")}`;
    facts.push(`${index.unique ? "unique index" : "index"} ${index.name} on ${index.table} using ${index.method} (${columns})${partial}`);
  }
  return facts.sort();
}

const ACTIONS: Record<string, string> = { a: "NO ACTION", r: "RESTRICT", c: "CASCADE", n: "SET NULL", d: "SET DEFAULT" };

function normaliseDefault(expression: string | null): string | undefined {
  if (expression === null) return undefined;
  if (/^nextval\(/.test(expression)) return "autoincrement()";
  if (/^(CURRENT_TIMESTAMP|now\(\))$/i.test(expression)) return "now()";
  // 'pending'::text → pending, '{}'::jsonb → {}, 1 → 1, true → true
  const literal = /^'((?:[^']|'')*)'(::[\w\s"[\]()]+)?$/.exec(expression);
  if (literal) return literal[1].replace(/''/g, "'");
  const number = /^\(?(-?[\d.]+)\)?(::[\w\s]+)?$/.exec(expression);
  if (number) return number[1];
  return expression;
}
