/**
 * POST/PUT bodies as IdPs send them → RFC 7643 resources, before validation. The steps, in order:
 *  1. drop nulls (Entra: `"phoneNumbers": null`; RFC 7643 §2.5 makes null equal to unassigned);
 *  2. drop what the server owns and IdPs echo back (Okta PUTs `meta` and `groups: []`; a client that
 *     PUTs back what it read sends the read-only GitLab extension, which RFC 7643 §2.2 says "SHALL be
 *     ignored");
 *  3. move URN-qualified top-level keys (`urn:…:enterprise:2.0:User:department`) into their extension;
 *  4. shape every known attribute (canonical names, string booleans, bare member ids, manager as a string);
 *  5. list exactly the known schemas in `schemas` (Entra adds the ADSCIM group URN; some senders forget
 *     the extension URN, or the whole `schemas` array), server-owned extensions left out.
 */
import { shapeAttributeValue } from "./attribute-values";
import { canonicalAttribute, canonicalSchemaUrn, attributesOf, coreSchemaOf, serverOwnedExtensionOf, splitAttributePath } from "./schema-names";
import { isJsonObject, type JsonObject, type ScimResourceType } from "./types";
import { withoutNulls } from "./values";

/** Read-only attributes an IdP may echo in a full PUT; the server's values win (RFC 7644 §3.5.1). */
const ECHOED_READ_ONLY: Record<ScimResourceType, readonly string[]> = {
  User: ["meta", "groups"],
  Group: ["meta"],
};

function withoutEchoedReadOnly(type: ScimResourceType, body: JsonObject): JsonObject {
  const copy = { ...body };
  for (const key of Object.keys(copy)) {
    if (ECHOED_READ_ONLY[type].some((name) => name.toLowerCase() === key.toLowerCase())) delete copy[key];
    else if (serverOwnedExtensionOf(type, key)) delete copy[key];
  }
  return copy;
}

/** Sorts each top-level key into core attributes and extension objects, all canonically named and shaped. */
function shapeAttributes(type: ScimResourceType, body: JsonObject): JsonObject {
  const shaped: JsonObject = {};
  const extensions: Record<string, JsonObject> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "schemas") continue;
    const urn = canonicalSchemaUrn(type, key);
    if (urn && urn !== coreSchemaOf(type)) {
      if (!isJsonObject(value)) {
        shaped[key] = value; // not an object: leave it for validation to reject
        continue;
      }
      const table = attributesOf(type, urn);
      for (const [name, item] of Object.entries(value)) {
        // Some senders repeat `schemas` inside the extension object; the top-level list is the one that counts.
        if (name.toLowerCase() === "schemas") continue;
        const attribute = canonicalAttribute(table, name);
        (extensions[urn] ??= {})[attribute] = shapeAttributeValue(type, { urn, attribute }, item);
      }
      continue;
    }
    // `name.givenName` or `urn:…:User:manager` as a body key: a flattened attribute path.
    const ref = splitAttributePath(type, key);
    const target = ref.urn ? (extensions[ref.urn] ??= {}) : shaped;
    const shapedValue = shapeAttributeValue(type, ref, value);
    if (ref.sub === undefined) target[ref.attribute] = shapedValue;
    else target[ref.attribute] = { ...(isJsonObject(target[ref.attribute]) ? (target[ref.attribute] as JsonObject) : {}), [ref.sub]: shapedValue };
  }
  return { ...shaped, ...extensions };
}

function withKnownSchemas(type: ScimResourceType, original: unknown, shaped: JsonObject): JsonObject {
  const listed = Array.isArray(original) ? original.filter((s): s is string => typeof s === "string") : [];
  const known = new Set([coreSchemaOf(type)]);
  for (const urn of listed) {
    const canonical = canonicalSchemaUrn(type, urn);
    if (canonical && !serverOwnedExtensionOf(type, canonical)) known.add(canonical);
  }
  for (const key of Object.keys(shaped)) if (canonicalSchemaUrn(type, key)) known.add(key);
  return { schemas: [...known], ...shaped };
}

/** POST/PUT bodies: string booleans, nulls on multi-valued attributes, manager as a string, … */
export function normalizeResourceBody(type: ScimResourceType, body: Record<string, unknown>): Record<string, unknown> {
  if (!isJsonObject(body)) return body;
  const steps = withoutEchoedReadOnly(type, withoutNulls(body));
  return withKnownSchemas(type, body.schemas, shapeAttributes(type, steps));
}
