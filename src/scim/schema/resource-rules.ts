/**
 * The schema rules scimmy's coercion does not enforce, checked on every resource the bridge accepts
 * (a POST or PUT body, the result of a PATCH) before scimmy sees it:
 *  - a complex attribute's value is a JSON object, and each value of a multi-valued complex attribute
 *    is a non-empty one (scimmy turns `"emails": [[{…}]]` into an empty email);
 *  - RFC 7643 §2.4: "The primary attribute value 'true' MUST appear no more than once."
 * Plus structural JSON equality, which the schema layer uses to tell a change from none.
 */
import { invalidValue } from "../errors";
import { isJsonObject, type JsonObject, type ScimResourceType } from "../dialect/types";
import type { ResourceCatalog } from "./attribute-catalog";
import { declaresMultiValued } from "./scimmy-schemas";

export type Json = JsonObject;

/** Structural equality of JSON values; object key order does not matter. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (!isJsonObject(a) || !isJsonObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}

export function requireOnePrimary(attribute: string, entries: readonly unknown[]): void {
  if (entries.filter((entry) => isJsonObject(entry) && entry.primary === true).length > 1) {
    throw invalidValue(`At most one value of ${attribute} may be primary (RFC 7643 §2.4)`);
  }
}

function requireShape(canonical: string, complex: boolean, multiValued: boolean, value: unknown): void {
  if (!complex || value === undefined || value === null) return;
  if (!multiValued) {
    if (!isJsonObject(value)) throw invalidValue(`${canonical} is complex; its value must be a JSON object of sub-attributes`);
    return;
  }
  const entries = Array.isArray(value) ? value : [value];
  if (!entries.every(isJsonObject)) throw invalidValue(`Each value of ${canonical} must be a JSON object of sub-attributes`);
  if (entries.some((entry) => Object.keys(entry).length === 0)) throw invalidValue(`A value of ${canonical} is an empty object; give at least one sub-attribute`);
  requireOnePrimary(canonical, entries);
}

/** Checks the known complex attributes of `resource` (core and extension); unknown ones are left for coercion to drop. */
export function requireResourceShapes(type: ScimResourceType, catalog: ResourceCatalog, resource: Json): void {
  for (const [key, value] of Object.entries(resource)) {
    const extension = catalog.extensionSchemas.find((urn) => urn.toLowerCase() === key.toLowerCase());
    if (extension) {
      if (!isJsonObject(value)) throw invalidValue(`${extension} must be a JSON object of its attributes`);
      for (const [name, item] of Object.entries(value)) {
        const attribute = catalog.resolve(`${extension}:${name}`);
        if (attribute) requireShape(attribute.canonical, attribute.top.type === "complex", declaresMultiValued(type, attribute.jsonPath), item);
      }
      continue;
    }
    const attribute = extension ? undefined : catalog.resolve(key);
    if (attribute && !attribute.sub) requireShape(attribute.canonical, attribute.top.type === "complex", declaresMultiValued(type, attribute.jsonPath), value);
  }
}
