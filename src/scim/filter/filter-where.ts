/**
 * Translation of a bound filter into a Prisma `where`, for the attributes that have columns (and
 * indexes): the rest is left to the in-memory evaluator. `splitFilter` pushes every translatable
 * top-level conjunct into the database and returns the remainder, so `userName eq "x" and title pr`
 * still hits the userNameKey index and evaluates `title pr` over at most one row.
 *
 * Leaves on nullable columns are written `col IS NOT NULL AND col = v` so they are never SQL NULL:
 * `not (externalId eq "x")` then matches users without an externalId, as the in-memory evaluator does.
 */
import { isUuid } from "../../provisioning/uuid";
import type { Filter, FilterLeafTarget, FilterValue } from "./filter";
import type { CompareOperator } from "./filter-syntax";

/** A Prisma where fragment (kept loose here; each resource module gives it its precise type). */
export type Where = Record<string, unknown>;

export const TRUE: Where = {};
/** A condition no row satisfies, on a column of the model being filtered. */
export const never = (column: string): Where => ({ [column]: { in: [] } });

export interface LeafTranslator {
  /** never("<a column of this model>"). */
  readonly none: Where;
  compare(target: FilterLeafTarget, op: CompareOperator, value: FilterValue): Where | undefined;
  present(target: FilterLeafTarget): Where | undefined;
  any(filter: Extract<Filter, { kind: "any" }>): Where | undefined;
}

export function translateFilter(filter: Filter, leaves: LeafTranslator): Where | undefined {
  switch (filter.kind) {
    case "constant":
      return filter.value ? TRUE : leaves.none;
    case "and":
    case "or": {
      const left = translateFilter(filter.left, leaves);
      const right = left && translateFilter(filter.right, leaves);
      if (!left || !right) return undefined;
      return filter.kind === "and" ? { AND: [left, right] } : { OR: [left, right] };
    }
    case "not": {
      const operand = translateFilter(filter.operand, leaves);
      return operand && { NOT: operand };
    }
    case "compare":
      return leaves.compare(filter.target, filter.op, filter.value);
    case "present":
      return leaves.present(filter.target);
    case "any":
      return leaves.any(filter);
  }
}

function conjuncts(filter: Filter): Filter[] {
  return filter.kind === "and" ? [...conjuncts(filter.left), ...conjuncts(filter.right)] : [filter];
}

/** Database part (all translatable conjuncts) and in-memory remainder (undefined when none). */
export function splitFilter(filter: Filter | undefined, leaves: LeafTranslator): { where: Where[]; residual: Filter | undefined } {
  if (!filter) return { where: [], residual: undefined };
  const where: Where[] = [];
  let residual: Filter | undefined;
  for (const part of conjuncts(filter)) {
    const translated = translateFilter(part, leaves);
    if (translated) where.push(translated);
    else residual = residual ? { kind: "and", left: residual, right: part } : part;
  }
  return { where, residual };
}

// ---- helpers for column leaves -------------------------------------------------------------

const notNull = (column: string, condition: Where): Where => ({ AND: [{ [column]: { not: null } }, condition] });

/**
 * A string column. `folded`: the column holds lower-cased text (userNameKey, valueKey) so the
 * value is lower-cased and compared exactly (index-friendly). `insensitive`: compare with ILIKE-style
 * insensitive mode (caseExact false attributes without a folded column).
 */
export function stringLeaf(
  column: string,
  op: CompareOperator,
  value: FilterValue,
  options: { folded?: boolean; insensitive?: boolean; nullable?: boolean },
): Where | undefined {
  if (value.type !== "string") return undefined;
  const text = options.folded ? value.text.toLowerCase() : value.text;
  const mode = options.insensitive ? { mode: "insensitive" } : {};
  // Prisma renders contains/startsWith/endsWith and insensitive equals as (I)LIKE without escaping
  // the pattern: a `_` or `%` in a value would be a wildcard. Escape them (PostgreSQL's default escape is \).
  const pattern = escapeLike(text);
  let condition: Where;
  switch (op) {
    case "eq":
    case "ne":
      condition = { [column]: options.insensitive ? { equals: pattern, ...mode } : { equals: text } };
      break;
    case "co":
      condition = { [column]: { contains: pattern, ...mode } };
      break;
    case "sw":
      condition = { [column]: { startsWith: pattern, ...mode } };
      break;
    case "ew":
      condition = { [column]: { endsWith: pattern, ...mode } };
      break;
    default:
      // Ordering comparisons on case-insensitive text without a folded column: evaluate in memory.
      if (options.insensitive) return undefined;
      condition = { [column]: { [op === "ge" ? "gte" : op === "le" ? "lte" : op]: text } };
  }
  if (options.nullable) condition = notNull(column, condition);
  return op === "ne" ? { NOT: condition } : condition;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}

export function uuidLeaf(column: string, op: CompareOperator, value: FilterValue): Where | undefined {
  if (value.type !== "string" || (op !== "eq" && op !== "ne")) return undefined;
  // A value that is not a UUID can equal no id; sending it to the uuid column would be an SQL error.
  const equal = isUuid(value.text) ? { [column]: value.text.toLowerCase() } : never(column);
  return op === "eq" ? equal : { NOT: equal };
}

export function booleanLeaf(column: string, op: CompareOperator, value: FilterValue): Where | undefined {
  if (value.type !== "boolean") return undefined;
  return { [column]: op === "eq" ? value.value : !value.value };
}

export function dateLeaf(column: string, op: CompareOperator, value: FilterValue): Where | undefined {
  if (value.type !== "dateTime") return undefined;
  const at = new Date(value.ms);
  switch (op) {
    case "eq":
      return { [column]: at };
    case "ne":
      return { NOT: { [column]: at } };
    case "gt":
    case "lt":
      return { [column]: { [op]: at } };
    case "ge":
      return { [column]: { gte: at } };
    case "le":
      return { [column]: { lte: at } };
    default:
      return undefined;
  }
}

export function presentLeaf(column: string | undefined): Where {
  return column ? { AND: [{ [column]: { not: null } }, { NOT: { [column]: "" } }] } : TRUE;
}
