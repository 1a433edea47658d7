/**
 * A bound filter evaluated against one JSON object in memory: the entries a PATCH path such as
 * `emails[type eq "work"]` selects in the resource being patched (RFC 7644 §3.5.2), which is in
 * memory anyway. Lists and searches never come here: the store answers them in SQL
 * (src/provisioning/query), with the same reading — strings per caseExact, `ne` as not eq (so an
 * absent value matches it), `pr` as not null, "" or empty. Never throws.
 */
import type { AttributeRef, CompareOperator, Predicate, PredicateValue } from "../../provisioning/query/predicate";

type Json = Record<string, unknown>;

export function matchesEntry(predicate: Predicate, entry: Json): boolean {
  switch (predicate.kind) {
    case "constant":
      return predicate.value;
    case "and":
      return predicate.operands.every((operand) => matchesEntry(operand, entry));
    case "or":
      return predicate.operands.some((operand) => matchesEntry(operand, entry));
    case "not":
      return !matchesEntry(predicate.operand, entry);
    case "present":
      return valuesAt(entry, predicate.attribute).some(isPresent);
    case "compare": {
      const values = valuesAt(entry, predicate.attribute).filter(isPresent);
      if (predicate.op === "ne") return !values.some((v) => compare("eq", v, predicate.value, predicate.attribute.caseExact));
      return values.some((v) => compare(predicate.op, v, predicate.value, predicate.attribute.caseExact));
    }
    case "any":
      return valuesAt(entry, predicate.attribute).some((element) => typeof element === "object" && element !== null && matchesEntry(predicate.where, element as Json));
  }
}

function valuesAt(root: Json, attribute: AttributeRef): unknown[] {
  let node: unknown = root;
  for (const key of attribute.path) node = typeof node === "object" && node !== null ? (node as Json)[key] : undefined;
  if (node === undefined) return [];
  return Array.isArray(node) ? node : [node];
}

function isPresent(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value as object).length > 0;
  return true;
}

function compare(op: CompareOperator, actual: unknown, expected: PredicateValue, caseExact: boolean): boolean {
  switch (expected.type) {
    case "boolean":
      return op === "eq" && actual === expected.value;
    case "number":
      return typeof actual === "number" && ordered(op, actual - expected.value);
    case "dateTime": {
      const ms = typeof actual === "string" ? Date.parse(actual) : NaN;
      return !Number.isNaN(ms) && ordered(op, ms - Date.parse(expected.iso));
    }
    case "string": {
      if (typeof actual !== "string") return false;
      const [a, b] = caseExact ? [actual, expected.text] : [actual.toLowerCase(), expected.text.toLowerCase()];
      if (op === "co") return a.includes(b);
      if (op === "sw") return a.startsWith(b);
      if (op === "ew") return a.endsWith(b);
      return ordered(op, a < b ? -1 : a > b ? 1 : 0);
    }
  }
}

function ordered(op: CompareOperator, difference: number): boolean {
  return { eq: difference === 0, gt: difference > 0, ge: difference >= 0, lt: difference < 0, le: difference <= 0 }[op as "eq"] ?? false;
}
