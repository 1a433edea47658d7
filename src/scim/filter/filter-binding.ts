/**
 * Binds a filter syntax tree to a resource type's attribute catalog (see filter.ts).
 * Type errors that RFC 7644 §3.4.2.2 calls out (gt on a boolean, co on a dateTime, a value that
 * cannot be a date) are 400 invalidFilter; an attribute the resource type does not have is simply
 * absent, so `foo eq "x"` matches nothing and `foo ne "x"` everything.
 */
import { invalidFilter } from "../errors";
import type { AttributeDef, ResolvedAttribute, ResourceCatalog } from "../schema/attribute-catalog";
import type { Filter, FilterLeafTarget, FilterValue } from "./filter";
import type { CompareOperator, FilterLiteral, FilterSyntax } from "./filter-syntax";

const absentCompare = (op: CompareOperator): Filter => ({ kind: "constant", value: op === "ne" });

export function bindFilter(syntax: FilterSyntax, catalog: ResourceCatalog): Filter {
  switch (syntax.kind) {
    case "and":
    case "or":
      return { kind: syntax.kind, left: bindFilter(syntax.left, catalog), right: bindFilter(syntax.right, catalog) };
    case "not":
      return { kind: "not", operand: bindFilter(syntax.operand, catalog) };
    case "present":
    case "compare": {
      const attribute = catalog.resolve(syntax.path);
      if (!attribute) return syntax.kind === "present" ? { kind: "constant", value: false } : absentCompare(syntax.op);
      return bindTopLevelLeaf(syntax, attribute);
    }
    case "valuePath": {
      const attribute = catalog.resolve(syntax.path);
      if (!attribute) return { kind: "constant", value: false };
      if (attribute.sub || attribute.top.type !== "complex") throw invalidFilter(`"${syntax.path}" is not a complex attribute and cannot take a [filter]`);
      return { kind: "any", attribute, filter: bindElementFilter(syntax.filter, attribute) };
    }
  }
}

/** `name.familyName eq "x"`, `emails.value co "x"`, `emails co "x"` (the `value` sub-attribute, RFC 7644 §3.4.2.2). */
function bindTopLevelLeaf(syntax: Extract<FilterSyntax, { kind: "present" | "compare" }>, attribute: ResolvedAttribute): Filter {
  const { top, sub } = attribute;
  if (top.type === "complex" && top.multiValued) {
    if (sub) return { kind: "any", attribute, filter: leaf(syntax, elementTarget(attribute, sub)) };
    if (syntax.kind === "present") return leaf(syntax, { attribute, def: top, path: attribute.jsonPath });
    const value = top.subAttributes.get("value");
    if (!value) return absentCompare(syntax.op);
    return { kind: "any", attribute, filter: leaf(syntax, elementTarget(attribute, value)) };
  }
  const def = sub ?? top;
  if (def.type === "complex" && syntax.kind === "compare") {
    const value = def.subAttributes.get("value");
    if (!value) return absentCompare(syntax.op);
    return leaf(syntax, { attribute, def: value, path: [...attribute.jsonPath, value.name] });
  }
  return leaf(syntax, { attribute, def, path: attribute.jsonPath });
}

function elementTarget(attribute: ResolvedAttribute, sub: AttributeDef): FilterLeafTarget {
  return { attribute: { ...attribute, sub }, def: sub, path: [sub.name] };
}

function bindElementFilter(syntax: FilterSyntax, attribute: ResolvedAttribute): Filter {
  switch (syntax.kind) {
    case "and":
    case "or":
      return { kind: syntax.kind, left: bindElementFilter(syntax.left, attribute), right: bindElementFilter(syntax.right, attribute) };
    case "not":
      return { kind: "not", operand: bindElementFilter(syntax.operand, attribute) };
    case "valuePath":
      throw invalidFilter("A [filter] cannot be nested inside another [filter]");
    case "present":
    case "compare": {
      const sub = syntax.path.includes(".") ? undefined : attribute.top.subAttributes.get(syntax.path.toLowerCase());
      if (!sub) return syntax.kind === "present" ? { kind: "constant", value: false } : absentCompare(syntax.op);
      return leaf(syntax, elementTarget(attribute, sub));
    }
  }
}

function leaf(syntax: Extract<FilterSyntax, { kind: "present" | "compare" }>, target: FilterLeafTarget): Filter {
  if (syntax.kind === "present") return { kind: "present", target };
  // `x eq null` asks whether x is absent (common in hand-written filters); `ne null` whether present.
  if (syntax.value === null) {
    if (syntax.op === "eq") return { kind: "not", operand: { kind: "present", target } };
    if (syntax.op === "ne") return { kind: "present", target };
    throw invalidFilter(`"${syntax.op}" cannot compare with null`);
  }
  return { kind: "compare", target, op: syntax.op, value: typedValue(target.def, syntax.op, syntax.value, target.attribute.canonical) };
}

function typedValue(def: AttributeDef, op: CompareOperator, literal: Exclude<FilterLiteral, null>, name: string): FilterValue {
  switch (def.type) {
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
      return { type: "dateTime", ms, text: String(literal) };
    }
    case "integer":
    case "decimal": {
      const value = typeof literal === "number" ? literal : Number(literal);
      if (typeof literal === "boolean" || !Number.isFinite(value)) throw invalidFilter(`${name} is a number; "${literal}" is not`);
      if (op === "co" || op === "sw" || op === "ew") throw invalidFilter(`"${op}" is not defined for the numeric attribute ${name}`);
      return { type: "number", value };
    }
    default:
      return { type: "string", text: String(literal) };
  }
}

/** xsd:dateTime, tolerating more than millisecond precision (Microsoft sends 7 fraction digits). */
export function parseDateTime(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const trimmed = text.replace(/(\.\d{3})\d+/, "$1");
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}
