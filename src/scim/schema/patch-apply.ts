/**
 * The one PATCH applier: RFC 7644 §3.5.2 operations (already in RFC shape: see scim/dialect) applied
 * in order to a copy of the resource as SCIM JSON. Types are not judged here: the patched resource is
 * validated afterwards exactly like a PUT body (validate.ts), so PATCH and PUT accept the same resources.
 *
 * The rules, one per target kind, the same for core and extension attributes:
 *  - simple attribute, or a sub-attribute of a complex one: add and replace set it, remove unsets it;
 *  - single-valued complex attribute (`name`, enterprise `manager`) or a whole extension: add and
 *    replace MERGE the given sub-attributes, the others are left unchanged (§3.5.2.1, §3.5.2.3);
 *  - multi-valued attribute: add appends values not already present (caseExact as the schema says),
 *    replace replaces all values,
 *    remove removes all;
 *  - `attr[filter]` selects entries (caseExact from the schema): replace and add merge the value
 *    into each, remove removes them; `attr[filter].sub` sets or removes `sub` in each. When nothing
 *    matches, remove changes nothing, while add and replace add a new entry if the filter is a plain
 *    `a eq x and b eq y` (the entry then carries a and b: Entra's `emails[type eq "work"].value` on a
 *    user without a work email; §3.5.2.3 treats a target that does not exist as an add), else noTarget.
 *  - setting `primary` true on an entry sets it false on the others (RFC 7644 §3.5.2).
 * Read-only attributes (id, meta, groups, and every attribute of a readOnly extension such as the
 * GitLab one) answer 400 mutability: RFC 7644 §3.5.2 "a client MUST NOT modify an attribute that has
 * mutability 'readOnly'" and "an operation that is not compatible with an attribute's mutability ...
 * SHALL return the appropriate HTTP response status code" (§3.12 Table 9: mutability, for PATCH).
 * Unknown sub-attributes inside a value are ignored, as in a POST body (RFC 7644 §3.3).
 */
import { isJsonObject, type PatchOperation, type ScimResourceType } from "../dialect/types";
import { invalidPath, invalidValue, mutability, noTarget } from "../errors";
import type { Predicate } from "../../provisioning/query/predicate";
import { matchesEntry } from "../filter/entry-filter";
import type { AttributeDef, ResourceCatalog } from "./attribute-catalog";
import { resolvePatchTarget, type PatchTarget } from "./patch-target";
import { requireOnePrimary, sameJson, type Json } from "./resource-rules";

type Op = "add" | "replace" | "remove";

/** Attributes the server owns (RFC 7643 §3.1, §4.1.2 `groups`): a PATCH never writes them. */
const READ_ONLY = new Set(["id", "meta", "groups", "schemas"]);

interface Context {
  type: ScimResourceType;
  catalog: ResourceCatalog;
  /** "operation 2" — for error details. */
  where: string;
}

/** The resource after `operations`; the caller validates it. `current` is not modified. */
export function applyOperations(type: ScimResourceType, catalog: ResourceCatalog, current: Json, operations: readonly PatchOperation[]): Json {
  const doc = structuredClone(current);
  operations.forEach((operation, index) => {
    const context: Context = { type, catalog, where: `operation ${index + 1}` };
    applyOne(context, doc, operation.op as Op, operation.path, operation.value, "value" in operation);
  });
  return doc;
}

function applyOne(context: Context, doc: Json, op: Op, path: string | undefined, value: unknown, hasValue: boolean): void {
  if (path === undefined) {
    // Pathless add/replace: each key of the value is a path (§3.5.2.1). The dialect has expanded
    // them already; what reaches here is an empty or a non-object value.
    if (!isJsonObject(value)) throw invalidValue(`A ${op} without "path" needs a JSON object as "value" (${context.where})`);
    for (const [key, item] of Object.entries(value)) applyOne(context, doc, op, key, item, true);
    return;
  }
  const target = resolvePatchTarget(context.type, context.catalog, path);
  if (target.kind === "attribute") requireWritable(context, doc, op, target, value);
  else if (context.catalog.readOnlySchemas.includes(target.urn)) throw mutability(`${target.urn} is read-only: the server sets its attributes, a PATCH cannot (${context.where})`);
  if (op === "remove") {
    if (hasValue) throw invalidValue(`A remove takes no "value" except a list of {"value": …} entries of a multi-valued attribute (${context.where})`);
    remove(doc, target);
  } else {
    if (!hasValue || value === undefined) throw invalidValue(`An ${op} needs a "value" (${context.where})`);
    write(context, doc, op, target, value);
  }
}

type AttributeTarget = Extract<PatchTarget, { kind: "attribute" }>;

function requireWritable(context: Context, doc: Json, op: Op, target: AttributeTarget, value: unknown): void {
  const { attribute } = target;
  const inExtension = attribute.jsonPath.length > 1 && attribute.jsonPath[0].startsWith("urn:");
  // READ_ONLY names core attributes; an extension attribute is read-only when its schema says so.
  if (inExtension ? !attribute.top.readOnly : !READ_ONLY.has(attribute.top.name)) return;
  // Okta's group rename repeats the group's own id: setting what is already there changes nothing.
  if (op !== "remove" && attribute.top.name === "id" && !attribute.sub && value === doc.id) return;
  throw mutability(`${attribute.canonical} is read-only and cannot be changed by PATCH (${context.where})`);
}

function write(context: Context, doc: Json, op: Op, target: PatchTarget, value: unknown): void {
  if (target.kind === "extension") {
    if (!isJsonObject(value)) throw invalidValue(`The value of ${target.urn} must be a JSON object of its attributes (${context.where})`);
    for (const [key, item] of Object.entries(value)) {
      if (key.toLowerCase() !== "schemas") applyOne(context, doc, op, `${target.urn}:${key}`, item, true);
    }
    return;
  }
  const { attribute, multiValued, filter, filteredSub } = target;
  const { top, sub } = attribute;
  if (filter) return writeFiltered(context, doc, top, attributeKeys(target), filter, filteredSub, value);
  if (multiValued && sub) {
    throw invalidPath(`${attribute.canonical} names a sub-attribute of every ${top.name} entry; select entries with a filter, e.g. ${top.name}[type eq "work"].${sub.name} (${context.where})`);
  }
  if (multiValued) {
    const entries = entriesOf(context, top, value);
    const existing = op === "add" ? arrayAt(doc, attribute.jsonPath) : [];
    const added = entries.filter((entry) => !existing.some((e) => sameEntry(top, e, entry)));
    const merged = [...existing, ...added];
    if (added.some((entry) => entry.primary === true)) clearOtherPrimaries(merged, added);
    return merged.length ? setAt(doc, attribute.jsonPath, merged) : deleteAt(doc, attribute.jsonPath);
  }
  const def = sub ?? top;
  if (def.type === "complex") {
    if (!isJsonObject(value)) throw invalidValue(`${attribute.canonical} is complex; its value must be a JSON object of sub-attributes (${context.where})`);
    const merged = { ...objectAt(doc, attribute.jsonPath), ...declaredSubAttributes(def, value) };
    return Object.keys(merged).length ? setAt(doc, attribute.jsonPath, merged) : deleteAt(doc, attribute.jsonPath);
  }
  setAt(doc, attribute.jsonPath, value);
}

function writeFiltered(context: Context, doc: Json, top: AttributeDef, keys: string[], filter: Predicate, filteredSub: AttributeDef | undefined, value: unknown): void {
  const entries = arrayAt(doc, keys);
  const matching = entries.filter((entry) => isJsonObject(entry) && matchesEntry(filter, entry)) as Json[];
  let update: Json;
  if (filteredSub) update = { [filteredSub.name]: value };
  else if (isJsonObject(value)) update = declaredSubAttributes(top, value);
  else throw invalidValue(`An entry of ${top.name} must be a JSON object (${context.where})`);
  if (matching.length === 0) {
    const equalities = equalitiesOf(filter);
    if (!equalities) throw noTarget(`The filter selects no ${top.name} entry, and is not a plain "a eq x and …" from which a new entry could be made (${context.where})`);
    const entry = { ...equalities, ...update };
    entries.push(entry);
    if (entry.primary === true) clearOtherPrimaries(entries, [entry]);
    return setAt(doc, keys, entries);
  }
  for (const entry of matching) Object.assign(entry, update);
  if (update.primary === true) clearOtherPrimaries(entries, matching.slice(-1));
  setAt(doc, keys, entries);
}

function remove(doc: Json, target: PatchTarget): void {
  if (target.kind === "extension") return deleteAt(doc, [target.urn]);
  const { attribute, multiValued, filter, filteredSub } = target;
  const keys = attributeKeys(target);
  if (!filter) {
    if (multiValued && attribute.sub) {
      // `emails.display`: that sub-attribute of every entry.
      for (const entry of arrayAt(doc, keys)) if (isJsonObject(entry)) delete entry[attribute.sub.name];
      return;
    }
    return deleteAt(doc, attribute.jsonPath);
  }
  const entries = arrayAt(doc, keys);
  if (filteredSub) {
    for (const entry of entries) if (isJsonObject(entry) && matchesEntry(filter, entry)) delete entry[filteredSub.name];
    return;
  }
  // A filter that selects nothing removes nothing: Entra removes members idempotently.
  const kept = entries.filter((entry) => !(isJsonObject(entry) && matchesEntry(filter, entry)));
  if (kept.length === entries.length) return;
  return kept.length ? setAt(doc, keys, kept) : deleteAt(doc, keys);
}

/** JSON keys of the attribute itself (without a sub-attribute of a multi-valued one). */
function attributeKeys({ attribute, multiValued }: AttributeTarget): string[] {
  return attribute.sub && multiValued ? attribute.jsonPath.slice(0, -1) : [...attribute.jsonPath];
}

/** The entries a multi-valued value stands for (one object, or a list): each a JSON object, at most one primary. */
function entriesOf(context: Context, top: AttributeDef, value: unknown): Json[] {
  const list = Array.isArray(value) ? value : [value];
  const entries = list.map((entry) => {
    if (!isJsonObject(entry)) throw invalidValue(`Each value of ${top.name} must be a JSON object of sub-attributes (${context.where})`);
    const declared = declaredSubAttributes(top, entry);
    if (Object.keys(declared).length === 0) throw invalidValue(`A value of ${top.name} has none of its sub-attributes (${context.where})`);
    return declared;
  });
  requireOnePrimary(top.name, entries);
  return entries;
}

/** Whether two entries hold the same values, strings compared as their sub-attribute's caseExact says (RFC 7643 §2.3.1). */
function sameEntry(def: AttributeDef, a: unknown, b: Json): boolean {
  if (!isJsonObject(a) || Object.keys(a).length !== Object.keys(b).length) return false;
  return Object.entries(b).every(([key, value]) => {
    const other = a[key];
    const caseExact = def.subAttributes.get(key.toLowerCase())?.caseExact ?? true;
    if (!caseExact && typeof value === "string" && typeof other === "string") return value.toLowerCase() === other.toLowerCase();
    return sameJson(other, value);
  });
}

/** Only the sub-attributes the schema declares, canonically spelled; others are ignored as in a POST body. */
function declaredSubAttributes(def: AttributeDef, value: Json): Json {
  const kept: Json = {};
  for (const [key, item] of Object.entries(value)) {
    const sub = def.subAttributes.get(key.toLowerCase());
    if (sub) kept[sub.name] = item;
  }
  return kept;
}

/** RFC 7644 §3.5.2: a value set primary makes every other value non-primary. */
function clearOtherPrimaries(entries: unknown[], primaries: Json[]): void {
  const keep = primaries[primaries.length - 1];
  for (const entry of entries) if (isJsonObject(entry) && entry !== keep && entry.primary === true) entry.primary = false;
}

/** `a eq x and b eq y` on sub-attributes → {a: x, b: y}; undefined for any other filter. */
function equalitiesOf(filter: Predicate): Json | undefined {
  if (filter.kind === "and") {
    const parts = filter.operands.map(equalitiesOf);
    return parts.every((part) => part !== undefined) ? Object.assign({}, ...parts) : undefined;
  }
  if (filter.kind !== "compare" || filter.op !== "eq" || filter.attribute.path.length !== 1) return undefined;
  const { value } = filter;
  const literal = value.type === "string" ? value.text : value.type === "dateTime" ? value.iso : value.value;
  return { [filter.attribute.path[0]]: literal };
}

function objectAt(doc: Json, keys: readonly string[]): Json {
  let node: unknown = doc;
  for (const key of keys) node = isJsonObject(node) ? node[key] : undefined;
  return isJsonObject(node) ? node : {};
}

function arrayAt(doc: Json, keys: readonly string[]): unknown[] {
  const parent = objectAt(doc, keys.slice(0, -1));
  const value = parent[keys[keys.length - 1]];
  return Array.isArray(value) ? [...value] : [];
}

function setAt(doc: Json, keys: readonly string[], value: unknown): void {
  let node = doc;
  for (const key of keys.slice(0, -1)) {
    if (!isJsonObject(node[key])) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]] = value;
}

/** Unsets the value; a complex attribute or extension left without values is unassigned too (RFC 7643 §2.5). */
function deleteAt(doc: Json, keys: readonly string[]): void {
  const parents: Json[] = [doc];
  for (const key of keys.slice(0, -1)) {
    const next = parents[parents.length - 1][key];
    if (!isJsonObject(next)) return;
    parents.push(next);
  }
  delete parents[parents.length - 1][keys[keys.length - 1]];
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i]).length > 0) break;
    delete parents[i - 1][keys[i - 1]];
  }
}
