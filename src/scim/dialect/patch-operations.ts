/**
 * PATCH operations as IdPs send them → RFC 7644 §3.5.2 operations that the applier (scim/schema/
 * patch-apply.ts) applies as meant. Each operation goes through these steps, in order:
 *  1. `op` in lower case (Entra legacy: `Replace`, `Add`, `Remove`);
 *  2. a pathless add/replace becomes one operation per attribute of its value (Entra with
 *     `aadOptscim062020` and Okta send `"value": {"name.givenName": …, "urn:…:employeeNumber": …}`;
 *     Okta's group rename carries the group's own `id`, which is dropped);
 *  3. the path canonically spelled, `path: "manager"` moved into the enterprise extension;
 *  4. add/replace of null (or, for manager, of "") becomes a remove (Entra gallery validator; scimmy
 *     would store `[null]` in a multi-valued attribute);
 *  5. the value shaped (string booleans, bare member ids, manager as a string, nulls dropped);
 *  6. a remove with a value list (Entra legacy: `"path":"members","value":[{"value":"…"}]`) becomes one
 *     filtered remove per listed entry, so that only those go; a value list it cannot read is kept, for
 *     the applier to refuse (dropping it would remove every member);
 *  7. an add/replace of a whole extension (`"path": "urn:…:enterprise:2.0:User"`) becomes one operation
 *     per attribute, exactly like the pathless form.
 * A `schemas` or `meta` key inside a pathless value or an extension object is bookkeeping and dropped,
 * and so is a server-owned extension inside a pathless value (the read-only GitLab extension echoed
 * from a GET: RFC 7643 §2.2 "SHALL be ignored"). An operation whose `path` names a server-owned
 * extension or one of its attributes is kept as it is, for the applier to refuse (RFC 7644 §3.5.2).
 * Entra's add through a value filter that selects nothing (`emails[type eq "work"].value` on a user
 * without a work email) is the applier's, which compares values as the schema says (caseExact).
 * Operations it cannot read (a non-string `op` or `path`) are returned unchanged for validation to refuse.
 */
import { isManager, isMultiValued, shapeAttributeValue } from "./attribute-values";
import { formatPatchPath, parsePatchPath, type PatchPath } from "./patch-path";
import { canonicalSchemaUrn, coreSchemaOf, serverOwnedExtensionOf } from "./schema-names";
import { isJsonObject, type JsonObject, type PatchOperation, type ScimResourceType } from "./types";
import { withoutNulls } from "./values";

/** Keys of a pathless value that are the resource's own bookkeeping, not attributes to change. */
const BOOKKEEPING = new Set(["schemas", "meta"]);

function expandPathless(type: ScimResourceType, operation: PatchOperation, current: JsonObject): PatchOperation[] {
  if (!isJsonObject(operation.value)) return [operation];
  const expanded: PatchOperation[] = [];
  for (const [key, value] of Object.entries(operation.value)) {
    if (BOOKKEEPING.has(key.toLowerCase()) || serverOwnedExtensionOf(type, key)) continue;
    if (key.toLowerCase() === "id" && value === current.id) continue;
    if (isExtensionKey(type, key) && isJsonObject(value)) {
      // A whole extension object: `{"urn:…:enterprise:2.0:User": {"employeeNumber": …}}`.
      for (const [name, item] of Object.entries(value)) {
        if (!BOOKKEEPING.has(name.toLowerCase())) expanded.push({ op: operation.op, path: `${key}:${name}`, value: item });
      }
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
    if (!isJsonObject(entry) || typeof entry.value !== "string") return [{ op: "remove", path: formatPatchPath(path), value }];
    ops.push({ op: "remove", path: `${formatPatchPath(path)}[value eq ${JSON.stringify(entry.value)}]` });
  }
  return ops;
}

function normalizeOperation(type: ScimResourceType, operation: PatchOperation, current: JsonObject): PatchOperation[] {
  const op = operation.op.trim().toLowerCase();
  const pathless = operation.path === undefined || operation.path === null || (typeof operation.path === "string" && operation.path.trim() === "");
  if (pathless) {
    const { path: _path, ...rest } = operation;
    if (op === "remove") return [{ ...rest, op }];
    return expandPathless(type, { ...rest, op }, current).flatMap((expanded) =>
      // An empty key is no path: left as it is for the applier to refuse, never expanded again.
      expanded.path === undefined || expanded.path.trim() === "" ? [expanded] : normalizeOperation(type, expanded, current),
    );
  }
  if (typeof operation.path !== "string") return [{ ...operation, op }];
  if (op !== "remove" && isExtensionKey(type, operation.path) && isJsonObject(operation.value) && !serverOwnedExtensionOf(type, operation.path)) {
    // Step 7: the whole extension, as if sent without a path.
    return normalizeOperation(type, { op, value: { [operation.path]: operation.value } }, current);
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
  return [{ op, path: canonicalPath, value: shapeValue(type, path, operation.value) }];
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
