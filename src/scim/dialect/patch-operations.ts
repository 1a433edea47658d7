/**
 * PATCH operations as IdPs send them → RFC 7644 §3.5.2 operations that scimmy applies as meant. Each
 * operation goes through these steps, in order:
 *  1. `op` in lower case (Entra legacy: `Replace`, `Add`, `Remove`);
 *  2. a pathless add/replace becomes one operation per attribute of its value (Entra with
 *     `aadOptscim062020` and Okta send `"value": {"name.givenName": …, "urn:…:employeeNumber": …}`;
 *     Okta's group rename carries the group's own `id`, which is dropped);
 *  3. the path canonically spelled, `path: "manager"` moved into the enterprise extension;
 *  4. add/replace of null (or, for manager, of "") becomes a remove (Entra gallery validator; scimmy
 *     would store `[null]` in a multi-valued attribute);
 *  5. the value shaped (string booleans, bare member ids, manager as a string, nulls dropped);
 *  6. a remove with a value list (Entra legacy: `"path":"members","value":[{"value":"…"}]`) becomes one
 *     filtered remove per listed entry, so that only those go;
 *  7. add/replace through a value filter that selects nothing (Entra: `emails[type eq "work"].value` on a
 *     user without a work email) becomes an add of the entry (scimmy would answer 400 noTarget).
 */
import { isManager, isMultiValued, shapeAttributeValue } from "./attribute-values";
import { entryMatches, formatPatchPath, parseEqualities, parsePatchPath, type PatchPath } from "./patch-path";
import { canonicalSchemaUrn, coreSchemaOf } from "./schema-names";
import { isJsonObject, type JsonObject, type PatchOperation, type ScimResourceType } from "./types";
import { withoutNulls } from "./values";

/** Keys of a pathless value that are the resource's own bookkeeping, not attributes to change. */
const BOOKKEEPING = new Set(["schemas", "meta"]);

function expandPathless(type: ScimResourceType, operation: PatchOperation, current: JsonObject): PatchOperation[] {
  if (!isJsonObject(operation.value)) return [operation];
  const expanded: PatchOperation[] = [];
  for (const [key, value] of Object.entries(operation.value)) {
    if (BOOKKEEPING.has(key.toLowerCase())) continue;
    if (key.toLowerCase() === "id" && value === current.id) continue;
    if (isExtensionKey(type, key) && isJsonObject(value)) {
      // A whole extension object: `{"urn:…:enterprise:2.0:User": {"employeeNumber": …}}`.
      for (const [name, item] of Object.entries(value)) expanded.push({ op: operation.op, path: `${key}:${name}`, value: item });
      continue;
    }
    expanded.push({ op: operation.op, path: key, value });
  }
  return expanded;
}

function isEmptyManager(path: PatchPath, value: unknown): boolean {
  return isManager(path.ref) && path.filter === undefined && (value === "" || (Array.isArray(value) && value.length === 0));
}

function shapeValue(type: ScimResourceType, path: PatchPath, value: unknown): unknown {
  if (path.filter === undefined) return withoutNulls(shapeAttributeValue(type, path.ref, value));
  const entryRef = { ...path.ref, sub: path.filteredSub };
  if (path.filteredSub !== undefined) return withoutNulls(shapeAttributeValue(type, entryRef, value));
  // `attr[filter]` with an entry object as value: shape it as a one-entry list.
  const shaped = shapeAttributeValue(type, path.ref, [value]);
  return withoutNulls(Array.isArray(shaped) ? shaped[0] : shaped);
}

/** Step 6: `remove members` + value list → a `members[value eq "…"]` remove per entry. */
function removeListedEntries(type: ScimResourceType, path: PatchPath, value: unknown): PatchOperation[] | undefined {
  if (path.filter !== undefined || !isMultiValued(type, path.ref) || value === undefined) return undefined;
  const entries = shapeAttributeValue(type, path.ref, value) as unknown[];
  const ops: PatchOperation[] = [];
  for (const entry of entries) {
    if (!isJsonObject(entry) || typeof entry.value !== "string") return undefined;
    ops.push({ op: "remove", path: `${formatPatchPath(path)}[value eq ${JSON.stringify(entry.value)}]` });
  }
  return ops;
}

/** Step 7: add/replace through a value filter that matches no entry → add the entry. */
function addAbsentEntry(path: PatchPath, value: unknown, current: JsonObject): PatchOperation | undefined {
  if (path.filter === undefined || path.ref.urn) return undefined;
  const equalities = parseEqualities(path.filter);
  if (!equalities) return undefined;
  const existing = current[path.ref.attribute];
  if (Array.isArray(existing) && existing.some((entry) => entryMatches(entry, equalities))) return undefined;
  let entry: JsonObject;
  if (path.filteredSub !== undefined) entry = { ...equalities, [path.filteredSub]: value };
  else if (isJsonObject(value)) entry = { ...equalities, ...value };
  else return undefined;
  return { op: "add", path: formatPatchPath({ ref: path.ref }), value: [entry] };
}

function normalizeOperation(type: ScimResourceType, operation: PatchOperation, current: JsonObject): PatchOperation[] {
  const op = operation.op.trim().toLowerCase();
  if (typeof operation.path !== "string" || operation.path.trim() === "") {
    if (op === "remove") return [{ ...operation, op }];
    // Only an expansion that gained a path recurses: a blank key (`"value": {"": …}`) would come back here forever.
    return expandPathless(type, { ...operation, op }, current).flatMap((expanded) =>
      typeof expanded.path !== "string" || expanded.path.trim() === "" ? [expanded] : normalizeOperation(type, expanded, current),
    );
  }
  const path = parsePatchPath(type, operation.path);
  if (!path) return [{ ...operation, op }]; // not a path we understand: let validation say why
  const canonicalPath = formatPatchPath(path);
  const hasValue = "value" in operation;
  if (op !== "remove" && hasValue && (operation.value === null || isEmptyManager(path, operation.value))) {
    return [{ op: "remove", path: canonicalPath }];
  }
  if (op === "remove") return removeListedEntries(type, path, operation.value) ?? [{ op, path: canonicalPath }];
  if (!hasValue) return [{ op, path: canonicalPath }];
  const value = shapeValue(type, path, operation.value);
  if (op === "add" || op === "replace") {
    const added = addAbsentEntry(path, value, current);
    if (added) return [added];
  }
  return [{ op, path: canonicalPath, value }];
}

/**
 * PATCH operations, given the current resource (as SCIM JSON) so that e.g. an Entra `Add` on
 * `emails[type eq "work"].value` with no such entry can become an add of a new entry.
 */
export function normalizePatchOperations(type: ScimResourceType, operations: PatchOperation[], current: Record<string, unknown>): PatchOperation[] {
  if (!Array.isArray(operations)) return operations;
  return operations.flatMap((operation) =>
    isJsonObject(operation) && typeof operation.op === "string" ? normalizeOperation(type, operation as PatchOperation, current) : [operation],
  );
}

/** Whether `key` names a whole extension object of this resource type (not an attribute inside it). */
export function isExtensionKey(type: ScimResourceType, key: string): boolean {
  const urn = canonicalSchemaUrn(type, key);
  return urn !== undefined && urn !== coreSchemaOf(type);
}

/** RFC 7644 §3.5.2's message schema (the dialect layer stays independent of scimmy's schema classes). */
const PATCH_OP_MESSAGE = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/**
 * The normalised operations of a PATCH body that is a well-formed PatchOp request (exactly the PatchOp
 * schema, a non-empty list of operation objects), for the fast paths that recognise one kind of change
 * without the stored resource (only the id is known); undefined for anything the general path must judge.
 */
export function wellFormedPatchOperations(type: ScimResourceType, id: string, body: unknown): PatchOperation[] | undefined {
  if (!isJsonObject(body)) return undefined;
  const { schemas, Operations: operations } = body;
  if (!Array.isArray(schemas) || schemas.length !== 1 || schemas[0] !== PATCH_OP_MESSAGE) return undefined;
  if (!Array.isArray(operations) || operations.length === 0 || !operations.every(isJsonObject)) return undefined;
  return normalizePatchOperations(type, operations as unknown as PatchOperation[], { id });
}
