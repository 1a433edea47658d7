/**
 * Binds a filter syntax tree to a resource type's attribute catalog, giving the store's neutral
 * predicate (src/provisioning/query/predicate.ts): attribute names resolved case-insensitively to
 * JSON paths with their schema type, caseExact and multi-valuedness, values typed per attribute.
 * Type errors that RFC 7644 §3.4.2.2 calls out (gt on a boolean, co on a dateTime, a value that
 * cannot be a date) are 400 invalidFilter; an attribute the resource type does not have is simply
 * absent, so `foo eq "x"` matches nothing and `foo ne "x"` everything.
 *
 * Comparisons on a multi-valued complex attribute become `any` over its elements: `emails.value co
 * "x"` and `emails co "x"` (the `value` sub-attribute) both read "some email's value contains x".
 */
import type { AttributeRef, CompareOperator, Predicate, PredicateValue } from "../../provisioning/query/predicate";
import { invalidFilter } from "../errors";
import type { AttributeDef, ResolvedAttribute, ResourceCatalog } from "../schema/attribute-catalog";
import type { FilterLiteral, FilterSyntax } from "./filter-syntax";

type Leaf = Extract<FilterSyntax, { kind: "present" | "compare" }>;

const absentCompare = (op: CompareOperator): Predicate => ({ kind: "constant", value: op === "ne" });
const absent = (syntax: Leaf): Predicate => (syntax.kind === "present" ? { kind: "constant", value: false } : absentCompare(syntax.op));

export function bindFilter(syntax: FilterSyntax, catalog: ResourceCatalog): Predicate {
  switch (syntax.kind) {
    case "and":
    case "or":
      return { kind: syntax.kind, operands: syntax.operands.map((operand) => bindFilter(operand, catalog)) };
    case "not":
      return { kind: "not", operand: bindFilter(syntax.operand, catalog) };
    case "present":
    case "compare": {
      const attribute = catalog.resolve(syntax.path);
      return attribute ? bindTopLevelLeaf(syntax, attribute) : absent(syntax);
    }
    case "valuePath": {
      const attribute = catalog.resolve(syntax.path);
      if (!attribute) return { kind: "constant", value: false };
      if (attribute.sub || attribute.top.type !== "complex") throw invalidFilter(`"${syntax.path}" is not a complex attribute and cannot take a [filter]`);
      return { kind: "any", attribute: refOf(attribute.jsonPath, attribute.top), where: bindElementFilter(syntax.filter, attribute.top) };
    }
  }
}

/** `name.familyName eq "x"`, `emails.value co "x"`, `emails co "x"` (the `value` sub-attribute, RFC 7644 §3.4.2.2). */
function bindTopLevelLeaf(syntax: Leaf, attribute: ResolvedAttribute): Predicate {
  const { top, sub, jsonPath } = attribute;
  if (top.type === "complex" && top.multiValued) {
    const container = refOf(sub ? jsonPath.slice(0, -1) : jsonPath, top);
    if (!sub && syntax.kind === "present") return { kind: "present", attribute: container };
    const compared = sub ?? top.subAttributes.get("value");
    return compared ? { kind: "any", attribute: container, where: valueLeaf(syntax, refOf([compared.name], compared)) } : absent(syntax);
  }
  const def = sub ?? top;
  if (def.type === "complex" && syntax.kind === "compare") {
    const value = def.subAttributes.get("value");
    return value ? leaf(syntax, refOf([...jsonPath, value.name], value)) : absentCompare(syntax.op);
  }
  return leaf(syntax, refOf(jsonPath, def));
}

/**
 * `emails.primary ne true` speaks of the values the emails have (RFC 7644 §3.4.2.2: some value
 * matches): an email without `primary` has no value to differ, unlike inside `emails[primary ne true]`.
 */
function valueLeaf(syntax: Leaf, attribute: AttributeRef): Predicate {
  const compared = leaf(syntax, attribute);
  return syntax.kind === "compare" && syntax.op === "ne" ? { kind: "and", operands: [{ kind: "present", attribute }, compared] } : compared;
}

function bindElementFilter(syntax: FilterSyntax, container: AttributeDef): Predicate {
  switch (syntax.kind) {
    case "and":
    case "or":
      return { kind: syntax.kind, operands: syntax.operands.map((operand) => bindElementFilter(operand, container)) };
    case "not":
      return { kind: "not", operand: bindElementFilter(syntax.operand, container) };
    case "valuePath":
      throw invalidFilter("A [filter] cannot be nested inside another [filter]");
    case "present":
    case "compare": {
      const sub = syntax.path.includes(".") ? undefined : container.subAttributes.get(syntax.path.toLowerCase());
      return sub ? leaf(syntax, refOf([sub.name], sub)) : absent(syntax);
    }
  }
}

function refOf(path: readonly string[], def: AttributeDef): AttributeRef {
  // A multi-valued complex attribute is reached through `any`; only simple ones compare value by value.
  return { path, type: def.type, caseExact: def.caseExact, multiValued: def.multiValued && def.type !== "complex" };
}

function leaf(syntax: Leaf, attribute: AttributeRef): Predicate {
  if (syntax.kind === "present") return { kind: "present", attribute };
  // `x eq null` asks whether x is absent (common in hand-written filters); `ne null` whether present.
  if (syntax.value === null) {
    if (syntax.op === "eq") return { kind: "not", operand: { kind: "present", attribute } };
    if (syntax.op === "ne") return { kind: "present", attribute };
    throw invalidFilter(`"${syntax.op}" cannot compare with null`);
  }
  return { kind: "compare", attribute, op: syntax.op, value: typedValue(attribute, syntax.op, syntax.value, syntax.path) };
}

function typedValue(attribute: AttributeRef, op: CompareOperator, literal: Exclude<FilterLiteral, null>, name: string): PredicateValue {
  switch (attribute.type) {
    case "boolean": {
      if (op !== "eq" && op !== "ne") throw invalidFilter(`"${op}" is not defined for the boolean attribute ${name}`);
      const value = typeof literal === "string" ? literal.toLowerCase() : literal;
      if (value !== true && value !== false && value !== "true" && value !== "false") throw invalidFilter(`${name} is boolean; "${literal}" is not`);
      return { type: "boolean", value: value === true || value === "true" };
    }
    case "dateTime": {
      if (op === "co" || op === "sw" || op === "ew") throw invalidFilter(`"${op}" is not defined for the dateTime attribute ${name}`);
      const ms = parseDateTime(String(literal));
      if (ms === undefined) throw invalidFilter(`${name} is a dateTime; "${literal}" is not`);
      return { type: "dateTime", iso: new Date(ms).toISOString() };
    }
    case "integer":
    case "decimal": {
      const value = typeof literal === "number" ? literal : Number(literal);
      if (typeof literal === "boolean" || !Number.isFinite(value)) throw invalidFilter(`${name} is a number; "${literal}" is not`);
      if (op === "co" || op === "sw" || op === "ew") throw invalidFilter(`"${op}" is not defined for the numeric attribute ${name}`);
      return { type: "number", value };
    }
    case "complex":
      throw invalidFilter(`${name} is a complex attribute; compare one of its sub-attributes`);
    default:
      return { type: "string", text: String(literal) };
  }
}

/** xsd:dateTime, tolerating more than millisecond precision (Microsoft sends 7 fraction digits). */
function parseDateTime(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const trimmed = text.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}
