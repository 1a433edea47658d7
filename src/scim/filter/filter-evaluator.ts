/**
 * In-memory evaluation of a bound filter against SCIM JSON, for the attributes the database cannot
 * answer. Never throws: an absent attribute simply does not match (unlike scimmy's Filter.match,
 * which throws on absent sub-attributes), and strings compare per the attribute's caseExact.
 */
import type { AttributeDef } from "../schema/attribute-catalog";
import type { Filter, FilterValue } from "./filter";
import type { CompareOperator } from "./filter-syntax";

type Json = Record<string, unknown>;

export function matchesFilter(filter: Filter, root: Json): boolean {
  switch (filter.kind) {
    case "and":
      return matchesFilter(filter.left, root) && matchesFilter(filter.right, root);
    case "or":
      return matchesFilter(filter.left, root) || matchesFilter(filter.right, root);
    case "not":
      return !matchesFilter(filter.operand, root);
    case "constant":
      return filter.value;
    case "present":
      return valuesAt(root, filter.target.path).some(isPresent);
    case "compare": {
      const values = valuesAt(root, filter.target.path).filter(isPresent);
      // RFC 7644 §3.4.2.2: absent attributes do not match; `ne` matches when no value equals.
      if (filter.op === "ne") return !values.some((v) => compare(filter.target.def, "eq", v, filter.value));
      return values.some((v) => compare(filter.target.def, filter.op, v, filter.value));
    }
    case "any":
      return valuesAt(root, filter.attribute.jsonPath)
        .filter((element): element is Json => typeof element === "object" && element !== null)
        .some((element) => matchesFilter(filter.filter, element));
  }
}

/** Follows JSON keys, flattening arrays on the way, so `emails.value` yields every email's value. */
export function valuesAt(root: unknown, path: readonly string[]): unknown[] {
  let current: unknown[] = [root];
  for (const key of path) {
    const next: unknown[] = [];
    for (const node of current) {
      if (typeof node !== "object" || node === null) continue;
      const value = (node as Json)[key];
      if (Array.isArray(value)) next.push(...value);
      else if (value !== undefined) next.push(value);
    }
    current = next;
  }
  return current;
}

function isPresent(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value as object).length > 0;
  return true;
}

function compare(def: AttributeDef, op: CompareOperator, actual: unknown, expected: FilterValue): boolean {
  switch (expected.type) {
    case "boolean": {
      const value = typeof actual === "string" ? actual.toLowerCase() === "true" : actual === true;
      return op === "eq" ? value === expected.value : value !== expected.value;
    }
    case "number": {
      const value = typeof actual === "number" ? actual : Number(actual);
      return Number.isFinite(value) && ordered(op, value - expected.value);
    }
    case "dateTime": {
      const value = actual instanceof Date ? actual.getTime() : Date.parse(String(actual));
      return !Number.isNaN(value) && ordered(op, value - expected.ms);
    }
    case "string": {
      if (typeof actual === "object") return false;
      const fold = (s: string) => (def.caseExact ? s : s.toLowerCase());
      const a = fold(String(actual));
      const b = fold(expected.text);
      if (op === "co") return a.includes(b);
      if (op === "sw") return a.startsWith(b);
      if (op === "ew") return a.endsWith(b);
      return ordered(op, a < b ? -1 : a > b ? 1 : 0);
    }
  }
}

function ordered(op: CompareOperator, difference: number): boolean {
  switch (op) {
    case "eq":
      return difference === 0;
    case "ne":
      return difference !== 0;
    case "gt":
      return difference > 0;
    case "ge":
      return difference >= 0;
    case "lt":
      return difference < 0;
    case "le":
      return difference <= 0;
    default:
      return false;
  }
}
