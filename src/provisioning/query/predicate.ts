/**
 * The storage-neutral question a list or search asks of the desired-state store: which resources
 * (a predicate tree over the SCIM JSON of a resource, as RFC 7644 §3.4.2.2 reads it) in which order
 * (a sort key, §3.4.2.3), which page. The SCIM layer builds it from a filter and the schema; the
 * store compiles it into one SQL statement (see search-users.ts, search-groups.ts). Nothing here
 * names a table or a column: attributes are JSON paths in the resource as served (extension URN as
 * the first key), with the schema facts that decide how values compare.
 *
 * `and`/`or` are n-ary, so a chain of 1,000 terms is one node and nothing walks it 1,000 deep.
 */

export type AttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "binary" | "complex";

/** An attribute as a path from the resource root, or from the element inside `any`. */
export interface AttributeRef {
  /** JSON keys, e.g. ["userName"], ["name", "familyName"], [ENTERPRISE_URN, "manager", "value"]; ["value"] inside `any`. */
  readonly path: readonly string[];
  readonly type: AttributeType;
  /** RFC 7643 §2.2: false → strings compare case-insensitively. */
  readonly caseExact: boolean;
  /** A multi-valued simple attribute (e.g. `schemas`): a comparison matches when some value does. */
  readonly multiValued: boolean;
}

export type CompareOperator = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";

export type PredicateValue =
  | { readonly type: "string"; readonly text: string }
  | { readonly type: "boolean"; readonly value: boolean }
  | { readonly type: "number"; readonly value: number }
  /** An instant as an ISO 8601 UTC string (millisecond precision). */
  | { readonly type: "dateTime"; readonly iso: string };

export type Predicate =
  | { readonly kind: "and" | "or"; readonly operands: readonly Predicate[] }
  | { readonly kind: "not"; readonly operand: Predicate }
  | { readonly kind: "constant"; readonly value: boolean }
  /** Absent values never match; `ne` matches when no value equals (so absent attributes match `ne`). */
  | { readonly kind: "compare"; readonly attribute: AttributeRef; readonly op: CompareOperator; readonly value: PredicateValue }
  /** Present: not absent, not null, not "" and not an empty array or object. */
  | { readonly kind: "present"; readonly attribute: AttributeRef }
  /** Some element of a (multi-valued) complex attribute matches `where`, whose paths are relative to the element. */
  | { readonly kind: "any"; readonly attribute: AttributeRef; readonly where: Predicate };

/**
 * sortBy (RFC 7644 §3.4.2.3). `element` set: `attribute` is multi-valued and the key is `element`
 * (a sub-attribute path, [] for a simple attribute) of its primary value, else of its first value.
 * Missing values sort last in both directions; ties are broken by id.
 */
export interface SortKey {
  readonly attribute: AttributeRef;
  readonly element?: readonly string[];
  /** Type and caseExact of the value compared (the element's sub-attribute when there is one). */
  readonly type: AttributeType;
  readonly caseExact: boolean;
  readonly descending: boolean;
}

export interface SearchQuery {
  /** Undefined: every resource. */
  readonly where?: Predicate;
  /** Undefined: creation order (stable paging through an import). */
  readonly sort?: SortKey;
  readonly offset: number;
  readonly limit: number;
}

export const TRUE: Predicate = { kind: "constant", value: true };
export const FALSE: Predicate = { kind: "constant", value: false };
