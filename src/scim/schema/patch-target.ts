/**
 * A PATCH `path` (RFC 7644 §3.5.2: `attrPath[valFilter].subAttr`) resolved against the resource type's
 * attribute catalog: which attribute, which sub-attribute, and — for a value filter — a bound filter
 * that selects entries the way `?filter=` does, with caseExact taken from the schema
 * (`emails[type eq "Work"]` selects the "work" email; `type` is not caseExact).
 *
 * Anything malformed or unknown is refused here, before a single change: 400 invalidPath with the
 * reason (RFC 7644 §3.5.2, Table 9 "invalidPath: the path attribute was invalid or malformed").
 */
import { parsePatchPath } from "../dialect/patch-path";
import { canonicalSchemaUrn, coreSchemaOf, joinAttributePath } from "../dialect/schema-names";
import type { ScimResourceType } from "../dialect/types";
import { invalidPath, ScimError } from "../errors";
import type { Predicate } from "../../provisioning/query/predicate";
import { bindFilter } from "../filter/filter-binding";
import { parseFilter, type FilterSyntax } from "../filter/filter-syntax";
import type { AttributeDef, ResolvedAttribute, ResourceCatalog } from "./attribute-catalog";
import { declaresMultiValued } from "./scimmy-schemas";

export type PatchTarget =
  /** A whole schema extension object: `urn:…:enterprise:2.0:User`. */
  | { kind: "extension"; urn: string }
  | {
      kind: "attribute";
      attribute: ResolvedAttribute;
      /** Whether the (top-level) attribute is multi-valued. */
      multiValued: boolean;
      /** Selects entries of a multi-valued attribute; leaves are relative to one entry. */
      filter?: Predicate;
      /** The sub-attribute after a value filter (`.value` in `emails[type eq "work"].value`). */
      filteredSub?: AttributeDef;
    };

/** Attribute names as RFC 7643 §2.1 spells them (ATTRNAME), optionally URN-qualified, with at most one sub-attribute. */
const ATTRIBUTE_PATH = /^(urn:[A-Za-z0-9.:_-]+:)?[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?$/;

export function resolvePatchTarget(type: ScimResourceType, catalog: ResourceCatalog, path: string): PatchTarget {
  const refuse = (why: string) => invalidPath(`Invalid path '${path}': ${why}`);
  const urn = canonicalSchemaUrn(type, path.trim());
  if (urn && urn !== coreSchemaOf(type)) return { kind: "extension", urn };
  const parsed = parsePatchPath(type, path);
  if (!parsed) throw refuse("expected attribute, attribute.subAttribute or attribute[filter].subAttribute");
  const head = joinAttributePath(parsed.ref);
  if (!ATTRIBUTE_PATH.test(head)) throw refuse(`"${head}" is not an attribute name`);
  const attribute = catalog.resolve(head);
  if (!attribute) throw refuse(`${catalog.resourceType} has no attribute "${head}"`);
  const multiValued = declaresMultiValued(type, attribute.jsonPath);
  if (parsed.filter === undefined) return { kind: "attribute", attribute, multiValued };
  if (attribute.sub || attribute.top.type !== "complex" || !multiValued) {
    throw refuse(`"${head}" is not a multi-valued complex attribute, so it cannot take a [filter]`);
  }
  let filteredSub: AttributeDef | undefined;
  if (parsed.filteredSub !== undefined) {
    filteredSub = attribute.top.subAttributes.get(parsed.filteredSub.toLowerCase());
    if (!filteredSub) throw refuse(`"${head}" has no sub-attribute "${parsed.filteredSub}"`);
  }
  return { kind: "attribute", attribute, multiValued, filter: bindEntryFilter(catalog, attribute, parsed.filter, refuse), filteredSub };
}

/** The sub-attribute names a filter compares; the filter binder would quietly read unknown ones as "absent". */
function requireKnownSubAttributes(syntax: FilterSyntax, parent: AttributeDef, refuse: (why: string) => ScimError): void {
  switch (syntax.kind) {
    case "and":
    case "or":
      for (const operand of syntax.operands) requireKnownSubAttributes(operand, parent, refuse);
      return;
    case "not":
      return requireKnownSubAttributes(syntax.operand, parent, refuse);
    case "valuePath":
      throw refuse("a [filter] cannot be nested inside another [filter]");
    default:
      if (!parent.subAttributes.has(syntax.path.toLowerCase())) throw refuse(`"${parent.name}" has no sub-attribute "${syntax.path}"`);
  }
}

function bindEntryFilter(catalog: ResourceCatalog, attribute: ResolvedAttribute, filter: string, refuse: (why: string) => ScimError): Predicate {
  try {
    const syntax = parseFilter(filter);
    requireKnownSubAttributes(syntax, attribute.top, refuse);
    const bound = bindFilter({ kind: "valuePath", path: attribute.canonical, filter: syntax }, catalog);
    if (bound.kind !== "any") throw refuse(`"${attribute.canonical}" cannot take a [filter]`);
    return bound.where;
  } catch (error) {
    // The filter parser's verdict (invalidFilter) is, inside a path, a malformed path.
    if (error instanceof ScimError && error.scimType === "invalidFilter") throw refuse(error.detail);
    throw error;
  }
}
