/**
 * A filter bound to a resource type: attribute names resolved (case-insensitively) against the
 * catalog, values typed per attribute type, unknown attributes folded into constants. Both the
 * database translation and the in-memory evaluator work on this tree, so they agree by construction.
 */
import type { AttributeDef, ResolvedAttribute } from "../schema/attribute-catalog";
import type { CompareOperator } from "./filter-syntax";

export type FilterValue =
  | { type: "string"; text: string }
  | { type: "boolean"; value: boolean }
  | { type: "number"; value: number }
  | { type: "dateTime"; ms: number; text: string };

export interface FilterLeafTarget {
  /** Full resolution of the attribute (for the database translation). */
  readonly attribute: ResolvedAttribute;
  /** The attribute compared: the sub-attribute when there is one. */
  readonly def: AttributeDef;
  /** JSON keys to follow from the evaluation root (the resource, or an element inside `any`). */
  readonly path: readonly string[];
}

export type Filter =
  | { kind: "and" | "or"; left: Filter; right: Filter }
  | { kind: "not"; operand: Filter }
  | { kind: "constant"; value: boolean }
  | { kind: "compare"; target: FilterLeafTarget; op: CompareOperator; value: FilterValue }
  | { kind: "present"; target: FilterLeafTarget }
  /** Some element of a multi-valued (or complex) attribute matches `filter`, whose leaves are relative to the element. */
  | { kind: "any"; attribute: ResolvedAttribute; filter: Filter };
