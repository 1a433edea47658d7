/**
 * Shapes one attribute's value the way RFC 7643 spells it, whatever the IdP sent: canonical sub-attribute
 * names, real booleans, multi-valued attributes as arrays of objects (a bare string member id becomes
 * `{value}`, as Microsoft's suite sends it), and the enterprise `manager` as a complex `{value}` (Entra's
 * live form is the bare manager id). Used for POST/PUT bodies and PATCH values alike.
 */
import { attributesOf, ENTERPRISE_USER_SCHEMA, schemaNames } from "./schema-names";
import { canonicalSubAttribute } from "./schema-names";
import { isJsonObject, type JsonObject, type ScimResourceType } from "./types";
import { coerceStringBoolean } from "./values";

export interface AttributeRef {
  /** Extension schema URN; undefined for the core schema. */
  urn?: string;
  attribute: string;
  sub?: string;
}

export function isManager(ref: AttributeRef): boolean {
  return ref.urn === ENTERPRISE_USER_SCHEMA && ref.attribute === "manager" && ref.sub === undefined;
}

export function isMultiValued(type: ScimResourceType, ref: AttributeRef): boolean {
  return !ref.urn && ref.sub === undefined && schemaNames(type).multiValued.has(ref.attribute);
}

function isBoolean(type: ScimResourceType, ref: AttributeRef): boolean {
  if (ref.urn) return false;
  return schemaNames(type).booleans.has(ref.sub === undefined ? ref.attribute : `${ref.attribute}.${ref.sub}`);
}

/** Sub-attribute keys canonically spelled, boolean sub-attributes coerced. */
function shapeComplex(type: ScimResourceType, ref: AttributeRef, value: JsonObject): JsonObject {
  const table = attributesOf(type, ref.urn);
  const shaped: JsonObject = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = canonicalSubAttribute(table, ref.attribute, key);
    shaped[sub] = isBoolean(type, { ...ref, sub }) ? coerceStringBoolean(item) : item;
  }
  return shaped;
}

function shapeEntry(type: ScimResourceType, ref: AttributeRef, entry: unknown): unknown {
  if (typeof entry === "string" || typeof entry === "number") return { value: String(entry) };
  return isJsonObject(entry) ? shapeComplex(type, ref, entry) : entry;
}

export function shapeAttributeValue(type: ScimResourceType, ref: AttributeRef, value: unknown): unknown {
  if (isBoolean(type, ref)) return coerceStringBoolean(value);
  if (isManager(ref)) {
    // Entra: a bare id (live form) or `[{"$ref":…,"value":…}]` (tutorial form).
    const entry = Array.isArray(value) ? value[0] : value;
    return typeof entry === "string" ? { value: entry } : isJsonObject(entry) ? shapeComplex(type, ref, entry) : entry;
  }
  if (isMultiValued(type, ref)) {
    const entries = Array.isArray(value) ? value : [value];
    return entries.map((entry) => shapeEntry(type, ref, entry));
  }
  if (ref.sub === undefined && isJsonObject(value)) return shapeComplex(type, ref, value);
  return value;
}
