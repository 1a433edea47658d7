/**
 * What prisma/schema.prisma says the PostgreSQL database should look like, as a sorted list of
 * one-line facts ("column ScimUser.active boolean NOT NULL DEFAULT true", "index …", "foreign key …").
 * test/db/database-schema.ts describes a real database in the same lines, so a drift test is a diff of
 * two string lists whose failure message names the missing or extra fact.
 *
 * The schema is read through Prisma's own parser: the DMMF from the prisma-schema wasm module that the
 * `prisma` package ships. The schema-engine binary (which `prisma migrate diff` needs) cannot be
 * downloaded here, and the wasm module's JS glue is bundled inside prisma/build/cli.js rather than
 * exported, so it is lifted out of that bundle by its wasm-bindgen signature.
 */
import fs from "node:fs";
import path from "node:path";

export interface DmmfField {
  name: string;
  dbName?: string | null;
  kind: "scalar" | "object" | "enum" | "unsupported";
  type: string;
  isList: boolean;
  isRequired: boolean;
  isId: boolean;
  isUpdatedAt: boolean;
  nativeType?: [string, string[]] | null;
  default?: unknown;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  relationOnUpdate?: string;
}

export interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
  primaryKey: { name: string | null; fields: string[] } | null;
}

export interface DmmfIndex {
  model: string;
  type: "id" | "unique" | "normal" | "fulltext";
  dbName?: string | null;
  algorithm?: string;
  fields: { name: string; sortOrder?: "asc" | "desc" }[];
}

export interface Dmmf {
  datamodel: {
    models: DmmfModel[];
    enums: { name: string; dbName?: string | null; values: { name: string; dbName?: string | null }[] }[];
    indexes: DmmfIndex[];
  };
}

type SchemaWasm = { get_dmmf(params: string): string };
let wasm: SchemaWasm | undefined;

/** Instantiates the prisma-schema wasm module from the installed `prisma` package, once per process. */
function loadSchemaWasm(): SchemaWasm {
  if (wasm) return wasm;
  const buildDir = path.dirname(require.resolve("prisma/build/index.js", { paths: [path.join(__dirname, "..", "..")] }));
  const bundle = fs.readFileSync(path.join(buildDir, "cli.js"), "utf8");
  // esbuild wraps the wasm-bindgen glue as `var X=P((exports,module)=>{"use strict";var imports={};imports.__wbindgen_placeholder__=module.exports;…;wasm.__wbindgen_start()})`.
  const head = /var [\w$]+=[\w$]+\(\(([\w$]+),([\w$]+)\)=>\{("use strict";var ([\w$]+)=\{\};\4\.__wbindgen_placeholder__=\2\.exports;)/g;
  let match: RegExpExecArray | null;
  while ((match = head.exec(bundle))) {
    const start = match.index + match[0].length - match[3].length;
    const end = bundle.indexOf("__wbindgen_start()})", start);
    if (end < 0) continue;
    const body = bundle.slice(start, end + "__wbindgen_start()".length);
    if (!body.includes("prisma_schema_build_bg.wasm") || !body.includes(".get_dmmf=")) continue;
    const globals = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown };
    globals.PRISMA_WASM_PANIC_REGISTRY ??= { set_message() {} };
    const module = { exports: {} as SchemaWasm };
    new Function(match[1], match[2], "require", "__dirname", body)(module.exports, module, require, buildDir);
    wasm = module.exports;
    return wasm;
  }
  throw new Error(`could not find the prisma-schema wasm glue in ${buildDir}/cli.js: the prisma package layout changed; update test/db/prisma-schema.ts`);
}

export function readDmmf(schemaText: string): Dmmf {
  return JSON.parse(loadSchemaWasm().get_dmmf(JSON.stringify({ prismaSchema: [["schema.prisma", schemaText]] }))) as Dmmf;
}

export function schemaPath(): string {
  return path.join(__dirname, "..", "..", "prisma", "schema.prisma");
}

/** Prisma's default constraint names (what `prisma migrate dev` writes when no `map:` is given). */
const defaultName = {
  primaryKey: (table: string) => `${table}_pkey`,
  index: (table: string, columns: string[]) => `${table}_${columns.join("_")}_idx`,
  unique: (table: string, columns: string[]) => `${table}_${columns.join("_")}_key`,
  foreignKey: (table: string, columns: string[]) => `${table}_${columns.join("_")}_fkey`,
};

/** Prisma scalar (+ @db native type) → PostgreSQL's format_type() spelling. */
function columnType(field: DmmfField, enumDbName: (name: string) => string): string {
  const base = field.kind === "enum" ? `"${enumDbName(field.type)}"` : scalarType(field);
  return field.isList ? `${base}[]` : base;
}

function scalarType(field: DmmfField): string {
  const [native, args = []] = field.nativeType ?? [];
  const withArgs = (name: string) => (args.length ? `${name}(${args.join(",")})` : name);
  switch (native) {
    case undefined:
      break;
    case "Uuid":
      return "uuid";
    case "Text":
      return "text";
    case "VarChar":
      return withArgs("character varying");
    case "Char":
      return withArgs("character");
    case "SmallInt":
      return "smallint";
    case "Integer":
      return "integer";
    case "BigInt":
      return "bigint";
    case "Timestamptz":
      return `timestamp(${args[0] ?? 3}) with time zone`;
    case "Timestamp":
      return `timestamp(${args[0] ?? 3}) without time zone`;
    case "Date":
      return "date";
    case "JsonB":
      return "jsonb";
    case "Json":
      return "json";
    case "Decimal":
      return withArgs("numeric");
    case "DoublePrecision":
      return "double precision";
    case "Real":
      return "real";
    case "Inet":
      return "inet";
    default:
      return `unmapped native type @db.${native}`;
  }
  const defaults: Record<string, string> = {
    String: "text",
    Boolean: "boolean",
    Int: "integer",
    BigInt: "bigint",
    Float: "double precision",
    Decimal: "numeric(65,30)",
    DateTime: "timestamp(3) without time zone",
    Json: "jsonb",
    Bytes: "bytea",
  };
  return defaults[field.type] ?? `unmapped scalar ${field.type}`;
}

/** The default as it appears in the database, in the normalised form database-schema.ts produces. */
function columnDefault(field: DmmfField): string | undefined {
  const value = field.default;
  if (value === undefined || value === null) return undefined;
  if (typeof value === "object" && !Array.isArray(value)) {
    const fn = value as { name: string; args: unknown[] };
    switch (fn.name) {
      case "autoincrement":
        return "autoincrement()";
      case "now":
        return "now()";
      case "dbgenerated":
        return String(fn.args[0]);
      // uuid(), cuid(), nanoid(), ulid() are generated by the client: no database default.
      default:
        return undefined;
    }
  }
  if (Array.isArray(value)) return `{${value.join(",")}}`;
  return String(value);
}

/**
 * The predicates of partial indexes (`@@index([…], where: raw("…"))`, preview feature partialIndexes),
 * by index name: the DMMF leaves them out, so they are read from the schema text. Written as
 * PostgreSQL prints them (pg_get_expr), they compare as text with the database's.
 */
export function partialIndexPredicates(schemaText: string): Map<string, string> {
  const predicates = new Map<string, string>();
  for (const model of schemaText.matchAll(/^model (\w+) \{\n([\s\S]*?)\n\}/gm)) {
    const table = /@@map\("([^"]+)"\)/.exec(model[2])?.[1] ?? model[1];
    for (const index of model[2].matchAll(/@@index\(\[([^\]]*)\](.*)\)\s*$/gm)) {
      const where = /where: raw\(("(?:[^"\\]|\\.)*")\)/.exec(index[2]);
      if (!where) continue;
      const name = /map: "([^"]+)"/.exec(index[2])?.[1] ?? defaultName.index(table, index[1].split(",").map((f) => f.trim().replace(/\(.*\)$/, "")));
      predicates.set(name, JSON.parse(where[1]) as string);
    }
  }
  return predicates;
}

export function describePrismaSchema(dmmf: Dmmf, schemaText: string): string[] {
  const predicates = partialIndexPredicates(schemaText);
  const facts: string[] = [];
  const { models, enums, indexes } = dmmf.datamodel;
  const tableOf = (model: string) => {
    const found = models.find((m) => m.name === model);
    return found?.dbName ?? model;
  };
  const enumDbName = (name: string) => enums.find((e) => e.name === name)?.dbName ?? name;
  for (const e of enums) {
    facts.push(`enum ${e.dbName ?? e.name} (${e.values.map((v) => v.dbName ?? v.name).join(", ")})`);
  }
  for (const model of models) {
    const table = model.dbName ?? model.name;
    const columnOf = (fieldName: string) => {
      const field = model.fields.find((f) => f.name === fieldName);
      return field?.dbName ?? fieldName;
    };
    facts.push(`table ${table}`);
    for (const field of model.fields) {
      if (field.kind === "object") {
        if (!field.relationFromFields?.length) continue;
        const columns = field.relationFromFields.map(columnOf);
        const target = models.find((m) => m.name === field.type)!;
        const targetColumns = (field.relationToFields ?? []).map((name) => target.fields.find((f) => f.name === name)?.dbName ?? name);
        const required = field.isRequired;
        const onDelete = field.relationOnDelete ?? (required ? "Restrict" : "SetNull");
        const onUpdate = field.relationOnUpdate ?? "Cascade";
        facts.push(
          `foreign key ${defaultName.foreignKey(table, columns)} on ${table} (${columns.join(", ")}) references ${tableOf(field.type)} (${targetColumns.join(", ")}) on delete ${referentialAction(onDelete)} on update ${referentialAction(onUpdate)}`,
        );
        continue;
      }
      const column = field.dbName ?? field.name;
      const nullability = field.isRequired || field.isList ? "NOT NULL" : "NULL";
      const dflt = columnDefault(field);
      facts.push(`column ${table}.${column} ${columnType(field, enumDbName)} ${nullability}${dflt === undefined ? "" : ` DEFAULT ${dflt}`}`);
    }
  }
  for (const index of indexes) {
    const model = models.find((m) => m.name === index.model)!;
    const table = model.dbName ?? model.name;
    const columns = index.fields.map((f) => model.fields.find((field) => field.name === f.name)?.dbName ?? f.name);
    const columnList = index.fields.map((f, i) => `${columns[i]}${f.sortOrder === "desc" ? " DESC" : ""}`).join(", ");
    switch (index.type) {
      case "id":
        facts.push(`primary key ${index.dbName ?? defaultName.primaryKey(table)} on ${table} (${columns.join(", ")})`);
        break;
      case "unique":
        facts.push(`unique index ${index.dbName ?? defaultName.unique(table, columns)} on ${table} using btree (${columnList})`);
        break;
      case "normal": {
        const name = index.dbName ?? defaultName.index(table, columns);
        const where = predicates.has(name) ? ` WHERE ${predicates.get(name)}` : "";
        facts.push(`index ${name} on ${table} using ${(index.algorithm ?? "BTree").toLowerCase()} (${columnList})${where}`);
        break;
      }
      default:
        facts.push(`unsupported index type ${index.type} on ${table}`);
    }
  }
  return facts.sort();
}

function referentialAction(action: string): string {
  const names: Record<string, string> = {
    Cascade: "CASCADE",
    Restrict: "RESTRICT",
    NoAction: "NO ACTION",
    SetNull: "SET NULL",
    SetDefault: "SET DEFAULT",
  };
  return names[action] ?? `unknown action ${action}`;
}
