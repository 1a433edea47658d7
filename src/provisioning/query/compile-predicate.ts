/**
 * Predicate → SQL boolean expression over one resource row (RFC 7644 §3.4.2.2 semantics), the same
 * text on PGlite and PostgreSQL. Every value is a bound parameter; only the shape (operators, which
 * columns) is statement text, so one filter shape is one prepared statement whatever its values.
 *
 * Every leaf is TRUE or FALSE, never SQL NULL, so `not` and `ne` (compiled as NOT eq) match absent
 * attributes as the RFC reads them. Column leaves keep the bare `column op $n` form (guarded by
 * `IS NOT NULL AND` when nullable) so the indexes serve them; JSON leaves are wrapped in COALESCE,
 * and casts sit behind CASE so a value of the wrong JSON type can never raise an error.
 *
 * Recursion follows the predicate's nesting only: and/or are n-ary, so long chains stay flat.
 */
import { isUuid } from "../uuid";
import type { SqlParams } from "../../db/sql-params";
import type { AttributeRef, CompareOperator, Predicate, PredicateValue } from "./predicate";
import type { Column, Relation, Storage } from "./storage";

/** Where the leaves of a (sub)predicate find their values. */
type Scope = { kind: "row"; storage: Storage } | { kind: "json"; root: string } | { kind: "element"; relation: Relation };

const ORDERING: Record<string, string> = { eq: "=", gt: ">", ge: ">=", lt: "<", le: "<=" };
/** xsd:dateTime as stored by SCIM clients; anything else is not a date and never compares. */
export const DATE_TIME = `'^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$'`;

export function compilePredicate(predicate: Predicate, storage: Storage, p: SqlParams): string {
  return new Compiler(p).compile(predicate, { kind: "row", storage });
}

class Compiler {
  private aliases = 0;
  constructor(private readonly p: SqlParams) {}

  compile(predicate: Predicate, scope: Scope): string {
    switch (predicate.kind) {
      case "constant":
        return predicate.value ? "TRUE" : "FALSE";
      case "and":
      case "or":
        if (predicate.operands.length === 0) return predicate.kind === "and" ? "TRUE" : "FALSE";
        return `(${predicate.operands.map((operand) => this.compile(operand, scope)).join(predicate.kind === "and" ? " AND " : " OR ")})`;
      case "not":
        return `NOT ${this.compile(predicate.operand, scope)}`;
      case "compare":
        return this.compare(predicate.attribute, predicate.op, predicate.value, scope);
      case "present":
        return this.present(predicate.attribute, scope);
      case "any":
        return this.any(predicate.attribute, predicate.where, scope);
    }
  }

  /**
   * `ne` is NOT eq, so an absent single value matches it; on a multi-valued simple attribute it reads
   * as `any` does for complex ones (RFC 7644 §3.4.2.2: some value is not equal).
   */
  private compare(attribute: AttributeRef, op: CompareOperator, value: PredicateValue, scope: Scope): string {
    const positive = op === "ne" ? "eq" : op;
    const negate = (condition: string) => (op === "ne" ? `NOT ${condition}` : condition);
    const column = this.columnOf(attribute, scope);
    if (column === "absent") return negate("FALSE");
    if (column) return negate(this.columnCompare(column, attribute.caseExact, positive, value));
    const json = this.jsonOf(attribute, scope);
    if (!attribute.multiValued) return negate(this.jsonCompare(json, attribute.caseExact, positive, value));
    const alias = this.alias();
    const elements = `jsonb_array_elements(CASE jsonb_typeof(${json}) WHEN 'array' THEN ${json} ELSE '[]'::jsonb END)`;
    return `EXISTS (SELECT 1 FROM ${elements} AS ${alias}(value) WHERE ${alias}.value <> 'null'::jsonb AND ${negate(this.jsonCompare(`${alias}.value`, attribute.caseExact, positive, value))})`;
  }

  private present(attribute: AttributeRef, scope: Scope): string {
    if (scope.kind === "row") {
      const relation = scope.storage.relation(attribute.path.join("."));
      if (relation) return `EXISTS (SELECT 1 FROM ${relation.from})`;
    }
    const column = this.columnOf(attribute, scope);
    if (column === "absent") return "FALSE";
    if (column) {
      if (!column.nullable) return "TRUE";
      return column.kind === "key" || column.kind === "text" ? `(${column.sql} IS NOT NULL AND ${column.sql} <> '')` : `${column.sql} IS NOT NULL`;
    }
    const json = this.jsonOf(attribute, scope);
    return `COALESCE(jsonb_typeof(${json}) <> 'null' AND ${json} NOT IN ('""'::jsonb, '[]'::jsonb, '{}'::jsonb), false)`;
  }

  private any(attribute: AttributeRef, where: Predicate, scope: Scope): string {
    if (scope.kind === "row") {
      const relation = scope.storage.relation(attribute.path.join("."));
      if (relation && relation.answers(where)) return `EXISTS (SELECT 1 FROM ${relation.from} AND ${this.compile(where, { kind: "element", relation })})`;
      if (relation && !relation.inResource) return "FALSE";
    }
    if (scope.kind === "element") return "FALSE"; // no relation element is itself complex
    const json = this.jsonOf(attribute, scope);
    const alias = this.alias();
    const elements = `CASE jsonb_typeof(${json}) WHEN 'array' THEN ${json} WHEN 'object' THEN jsonb_build_array(${json}) ELSE '[]'::jsonb END`;
    return `EXISTS (SELECT 1 FROM jsonb_array_elements(${elements}) AS ${alias}(value) WHERE ${this.compile(where, { kind: "json", root: `${alias}.value` })})`;
  }

  private columnOf(attribute: AttributeRef, scope: Scope): Column | "absent" | undefined {
    if (scope.kind === "row") return scope.storage.column(attribute.path.join("."));
    if (scope.kind === "element") return attribute.path.length === 1 ? (scope.relation.element(attribute.path[0]) ?? "absent") : "absent";
    return undefined;
  }

  private jsonOf(attribute: AttributeRef, scope: Scope): string {
    const root = scope.kind === "row" ? scope.storage.resource : scope.kind === "json" ? scope.root : "NULL::jsonb";
    return `(${root} #> ${this.p.add(attribute.path)}::text[])`;
  }

  private alias(): string {
    return `el${++this.aliases}`;
  }

  private columnCompare(column: Column, caseExact: boolean, op: CompareOperator, value: PredicateValue): string {
    const condition = this.columnCondition(column, caseExact, op, value);
    return column.nullable && condition !== "FALSE" ? `(${column.sql} IS NOT NULL AND ${condition})` : condition;
  }

  private columnCondition(column: Column, caseExact: boolean, op: CompareOperator, value: PredicateValue): string {
    const p = this.p;
    switch (column.kind) {
      case "key":
        return value.type === "string" ? textCondition(column.sql, op, value.text.toLowerCase(), p, (x) => x) : "FALSE";
      case "text":
        return value.type === "string" ? textCondition(column.sql, op, value.text, p, caseExact ? (x) => x : (x) => `lower(${x})`) : "FALSE";
      case "uuid":
        if (value.type !== "string") return "FALSE";
        if (op === "eq") return isUuid(value.text) ? `${column.sql} = ${p.uuid(value.text.toLowerCase())}` : "FALSE";
        return textCondition(`${column.sql}::text`, op, value.text, p, caseExact ? (x) => x : (x) => `lower(${x})`);
      case "boolean":
        return value.type === "boolean" && op === "eq" ? `${column.sql} = ${p.add(value.value)}::boolean` : "FALSE";
      case "integer":
        return value.type === "number" && ORDERING[op] ? `${column.sql} ${ORDERING[op]} ${p.add(String(value.value))}::numeric` : "FALSE";
      case "timestamp":
        return value.type === "dateTime" && ORDERING[op] ? `${column.sql} ${ORDERING[op]} ${p.add(value.iso)}::timestamptz` : "FALSE";
    }
  }

  private jsonCompare(json: string, caseExact: boolean, op: CompareOperator, value: PredicateValue): string {
    const p = this.p;
    const text = `(${json} #>> '{}')`;
    switch (value.type) {
      case "string":
        return `COALESCE(jsonb_typeof(${json}) = 'string' AND ${textCondition(text, op, value.text, p, caseExact ? (x) => x : (x) => `lower(${x})`)}, false)`;
      case "boolean":
        return op === "eq" ? `COALESCE(${json} = to_jsonb(${p.add(value.value)}::boolean), false)` : "FALSE";
      case "number":
        if (!ORDERING[op]) return "FALSE";
        return `CASE WHEN jsonb_typeof(${json}) = 'number' THEN ${text}::numeric ${ORDERING[op]} ${p.add(String(value.value))}::numeric ELSE false END`;
      case "dateTime":
        if (!ORDERING[op]) return "FALSE";
        return `CASE WHEN jsonb_typeof(${json}) = 'string' AND ${text} ~ ${DATE_TIME} THEN ${text}::timestamptz ${ORDERING[op]} ${p.add(value.iso)}::timestamptz ELSE false END`;
    }
  }
}

/** A text comparison; `fold` is applied to both sides (lower() for caseExact false). */
function textCondition(sql: string, op: CompareOperator, text: string, p: SqlParams, fold: (x: string) => string): string {
  switch (op) {
    case "co":
      return `${fold(sql)} LIKE ${fold(p.add(`%${escapeLike(text)}%`))}`;
    case "sw":
      return `${fold(sql)} LIKE ${fold(p.add(`${escapeLike(text)}%`))}`;
    case "ew":
      return `${fold(sql)} LIKE ${fold(p.add(`%${escapeLike(text)}`))}`;
    default:
      return `${fold(sql)} ${ORDERING[op] ?? "="} ${fold(p.add(text))}`;
  }
}

/** LIKE's wildcards and its escape character (backslash, PostgreSQL's default) taken literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}
