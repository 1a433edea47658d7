/**
 * PATCH paths (RFC 7644 §3.5.2 `attrPath[valFilter].subAttr`), split and canonically spelled, and the
 * small "all of these sub-attributes equal these values" filters that IdPs put inside them
 * (`members[value eq "…"]`), which the group member recogniser reads without evaluating a filter.
 */
import { normalizeValueFilter } from "./filter-leniency";
import type { AttributeRef } from "./attribute-values";
import { attributesOf, canonicalSubAttribute, ENTERPRISE_USER_SCHEMA, joinAttributePath, splitAttributePath } from "./schema-names";
import type { ScimResourceType } from "./types";

export interface PatchPath {
  /** The attribute (and sub-attribute, when no filter) the path names. */
  ref: AttributeRef;
  /** The value filter, normalised; only for `attr[filter]…` paths. */
  filter?: string;
  /** The sub-attribute after a value filter (`.value` in `emails[type eq "work"].value`). */
  filteredSub?: string;
}

const PATH = /^([^[\]]+?)(?:\[(.*)\](?:\.([^.[\]]+))?)?$/s;

export function parsePatchPath(type: ScimResourceType, path: string): PatchPath | undefined {
  const match = PATH.exec(path.trim());
  if (!match) return undefined;
  const [, head, filter, filteredSub] = match;
  let ref: AttributeRef = splitAttributePath(type, head);
  // Entra's tutorial writes `path: "manager"`; manager lives in the enterprise extension (RFC 7643 §4.3).
  if (type === "User" && !ref.urn && ref.attribute.toLowerCase() === "manager") ref = { ...ref, urn: ENTERPRISE_USER_SCHEMA, attribute: "manager" };
  if (filter === undefined) return { ref };
  if (ref.sub !== undefined) return undefined;
  const table = attributesOf(type, ref.urn);
  return {
    ref,
    filter: normalizeValueFilter(type, ref, filter),
    filteredSub: filteredSub === undefined ? undefined : canonicalSubAttribute(table, ref.attribute, filteredSub),
  };
}

export function formatPatchPath(path: PatchPath): string {
  const head = joinAttributePath(path.ref);
  if (path.filter === undefined) return head;
  return `${head}[${path.filter}]${path.filteredSub === undefined ? "" : `.${path.filteredSub}`}`;
}

/** `a eq "x" and b eq true` → {a:"x", b:true}; undefined for any other filter shape. */
export function parseEqualities(filter: string): Record<string, string | number | boolean> | undefined {
  const term = /\s*([A-Za-z][\w$-]*)\s+eq\s+("(?:[^"\\]|\\.)*"|true|false|-?\d+(?:\.\d+)?)\s*/y;
  const and = /and\b/iy;
  const result: Record<string, string | number | boolean> = {};
  let at = 0;
  for (;;) {
    term.lastIndex = at;
    const match = term.exec(filter);
    if (!match) return undefined;
    result[match[1]] = JSON.parse(match[2]) as string | number | boolean;
    at = term.lastIndex;
    if (at === filter.length) return result;
    and.lastIndex = at;
    if (!and.exec(filter)) return undefined;
    at = and.lastIndex;
  }
}
