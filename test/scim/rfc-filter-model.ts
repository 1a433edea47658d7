/**
 * An independent reading of RFC 7644 §3.4.2.2 for the property test (filters-property.test.ts):
 * random filter trees, rendered as filter text, and evaluated in memory over the resources exactly
 * as the server serves them. Written for the test from the RFC, sharing nothing with src/.
 *
 * The reading: attribute names are case-insensitive; strings compare case-insensitively unless the
 * schema says caseExact; an absent attribute matches nothing, except that `ne` on a single-valued
 * attribute matches when the attribute is absent; on a multi-valued attribute a comparison (ne
 * included) matches when some value matches; `pr` means some value is not null, "" or empty;
 * `attr[filter]` matches when some element matches the inner filter.
 */
import type { Random } from "../helpers/random";

export type Json = Record<string, any>;
type Kind = "string" | "boolean" | "dateTime";

/** What the test knows of the schema: type, caseExact, and whether the path crosses a multi-valued attribute. */
export interface AttributeSpec {
  path: string;
  kind: Kind;
  caseExact: boolean;
  multiValued: boolean;
}

export type Node =
  | { kind: "and" | "or"; operands: Node[] }
  | { kind: "not"; operand: Node }
  | { kind: "compare"; attribute: AttributeSpec; op: string; value: string | boolean }
  | { kind: "present"; attribute: AttributeSpec }
  | { kind: "valuePath"; container: string; filter: Node };

// ---- evaluation ----------------------------------------------------------------------------

function valuesAt(root: unknown, path: string[]): unknown[] {
  let current: unknown[] = [root];
  for (const key of path) {
    const next: unknown[] = [];
    for (const node of current) {
      if (typeof node !== "object" || node === null) continue;
      const found = Object.entries(node).find(([k]) => k.toLowerCase() === key.toLowerCase());
      if (!found) continue;
      if (Array.isArray(found[1])) next.push(...found[1]);
      else next.push(found[1]);
    }
    current = next;
  }
  return current;
}

/** Splits an attribute path into JSON keys: `urn:…:User:department` → [urn, department]. */
function keysOf(path: string): string[] {
  const urn = /^(urn:.*):([^:]+)$/.exec(path);
  return urn ? [urn[1], ...urn[2].split(".")] : path.split(".");
}

const present = (v: unknown) => v !== null && v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0) && !(typeof v === "object" && v !== null && Object.keys(v).length === 0);

function test(spec: AttributeSpec, op: string, actual: unknown, expected: string | boolean): boolean {
  if (spec.kind === "boolean") return op === "eq" && actual === expected;
  if (typeof actual !== "string") return false;
  if (spec.kind === "dateTime") {
    const [a, b] = [Date.parse(actual), Date.parse(String(expected))];
    return ({ eq: a === b, gt: a > b, ge: a >= b, lt: a < b, le: a <= b } as Record<string, boolean>)[op] ?? false;
  }
  const fold = (s: string) => (spec.caseExact ? s : s.toLowerCase());
  const [a, b] = [fold(actual), fold(String(expected))];
  return ({ eq: a === b, co: a.includes(b), sw: a.startsWith(b), ew: a.endsWith(b), gt: a > b, ge: a >= b, lt: a < b, le: a <= b } as Record<string, boolean>)[op] ?? false;
}

export function evaluate(node: Node, root: Json): boolean {
  switch (node.kind) {
    case "and":
      return node.operands.every((o) => evaluate(o, root));
    case "or":
      return node.operands.some((o) => evaluate(o, root));
    case "not":
      return !evaluate(node.operand, root);
    case "present":
      return valuesAt(root, keysOf(node.attribute.path)).some(present);
    case "compare": {
      const values = valuesAt(root, keysOf(node.attribute.path)).filter(present);
      const matches = (v: unknown) => (node.op === "ne" ? !test(node.attribute, "eq", v, node.value) : test(node.attribute, node.op, v, node.value));
      if (node.attribute.multiValued) return values.some(matches);
      return node.op === "ne" ? !values.some((v) => test(node.attribute, "eq", v, node.value)) : values.some(matches);
    }
    case "valuePath":
      return valuesAt(root, keysOf(node.container)).some((element) => typeof element === "object" && element !== null && evaluate(node.filter, element as Json));
  }
}

// ---- rendering -----------------------------------------------------------------------------

function changeCase(text: string, rng: Random): string {
  return rng.chance(0.3) ? [...text].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join("") : text;
}

export function render(node: Node, rng: Random): string {
  switch (node.kind) {
    case "and":
    case "or":
      return node.operands.map((o) => `(${render(o, rng)})`).join(` ${changeCase(node.kind, rng)} `);
    case "not":
      return `${changeCase("not", rng)} (${render(node.operand, rng)})`;
    case "present":
      return `${changeCase(node.attribute.path, rng)} ${changeCase("pr", rng)}`;
    case "compare":
      return `${changeCase(node.attribute.path, rng)} ${changeCase(node.op, rng)} ${typeof node.value === "boolean" ? String(node.value) : JSON.stringify(node.value)}`;
    case "valuePath":
      return `${node.container}[${render(node.filter, rng)}]`;
  }
}
