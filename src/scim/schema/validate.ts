/**
 * Request bodies in, validated SCIM resources out. Nothing is stored before all of it succeeds.
 *  - POST/PUT: shape check → IdP dialect normalisation (scim/dialect) → schema rules scimmy lacks
 *    (resource-rules.ts) → scimmy coercion against the validation definitions (types, required
 *    attributes, read-only attributes dropped, unknown attributes dropped as RFC 7644 §3.3 allows;
 *    canonical values are suggestions, RFC 7643 §7).
 *  - PATCH: PatchOp message check → dialect normalisation → the one applier (patch-apply.ts) → the
 *    patched resource validated exactly like a PUT body. A PATCH that changes nothing returns the
 *    current resource itself (callers compare by identity to skip the write).
 */
import { normalizePatchOperations, normalizeResourceBody, type PatchOperation, type ScimResourceType } from "../dialect/normalize";
import { isJsonObject } from "../dialect/types";
import { invalidPath, invalidSyntax, invalidValue, noTarget } from "../errors";
import { withScimmy } from "../scimmy-errors";
import { groupCatalog, userCatalog } from "./attribute-catalog";
import { applyOperations } from "./patch-apply";
import { requireResourceShapes, sameJson, type Json } from "./resource-rules";
import { GROUP_SCHEMA, PATCH_OP_SCHEMA, USER_SCHEMA, ValidationDefinitions } from "./scimmy-schemas";

const CATALOGS = { User: userCatalog, Group: groupCatalog } as const;
const CORE_SCHEMAS = { User: USER_SCHEMA, Group: GROUP_SCHEMA } as const;
const PATCH_OPS = new Set(["add", "remove", "replace"]);

export function requireJsonObject(body: unknown, what: string): Json {
  if (!isJsonObject(body)) throw invalidSyntax(`${what} must be a JSON object`);
  return body;
}

function plain(value: unknown): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

function requireCoreSchema(type: ScimResourceType, body: Json): void {
  if (body.schemas === undefined) return;
  if (!Array.isArray(body.schemas) || !body.schemas.some((s) => typeof s === "string" && s.toLowerCase() === CORE_SCHEMAS[type].toLowerCase())) {
    throw invalidValue(`"schemas" must include ${CORE_SCHEMAS[type]}`);
  }
}

function requireUserMembers(resource: Json): void {
  const members = Array.isArray(resource.members) ? (resource.members as Json[]) : [];
  for (const member of members) {
    if (typeof member.value !== "string" || member.value === "") throw invalidValue('Every member needs a non-empty "value" (the user\'s id)');
    // Members without a type are users (Entra and Okta never send one); nested groups are not supported.
    if (member.type !== undefined && String(member.type).toLowerCase() !== "user") {
      throw invalidValue(`Member ${member.value} has type "${member.type}"; only User members are supported`);
    }
  }
}

/** A normalised resource (without id/meta) checked and coerced: the one rule for POST, PUT and a PATCH's result. */
function validResource(type: ScimResourceType, resource: Json): Json {
  requireResourceShapes(type, CATALOGS[type], resource);
  const coerced = plain(withScimmy(() => ValidationDefinitions[type].coerce(resource, "in")));
  if (type === "Group") requireUserMembers(coerced);
  return coerced;
}

/** A POST or PUT body as a validated resource (without id/meta; password still present for the caller to drop). */
export function validateResourceBody(type: ScimResourceType, body: unknown): Json {
  const normalized = normalizeResourceBody(type, requireJsonObject(body, "The request body"));
  requireCoreSchema(type, normalized);
  return validResource(type, normalized);
}

/** RFC 7644 §3.5.2: the PatchOp message's structure; each operation's target and value are the applier's to judge. */
function requirePatchOperations(body: unknown): PatchOperation[] {
  const request = requireJsonObject(body, "The PATCH body");
  const { schemas } = request;
  const onlyPatchOp = Array.isArray(schemas) && schemas.length === 1 && typeof schemas[0] === "string" && schemas[0].toLowerCase() === PATCH_OP_SCHEMA.toLowerCase();
  if (schemas !== undefined && !onlyPatchOp) {
    throw invalidSyntax(`A PATCH body's "schemas" must be exactly ["${PATCH_OP_SCHEMA}"]`);
  }
  const operations = request.Operations ?? request.operations;
  if (!Array.isArray(operations) || operations.length === 0) throw invalidSyntax('The PATCH body needs an "Operations" array with at least one operation');
  return operations.map((operation: unknown, index) => {
    const where = `operation ${index + 1}`;
    if (!isJsonObject(operation)) throw invalidSyntax(`${where} must be a JSON object`);
    const { op, path } = operation;
    if (typeof op !== "string" || !PATCH_OPS.has(op.trim().toLowerCase())) throw invalidSyntax(`${where} has "op" ${JSON.stringify(op) ?? "missing"}; expected "add", "remove" or "replace"`);
    if (path !== undefined && path !== null && typeof path !== "string") throw invalidPath(`${where} has a "path" that is not a string`);
    const pathless = path === undefined || path === null || path.trim() === "";
    if (pathless && op.trim().toLowerCase() === "remove") throw noTarget(`${where}: a remove needs a "path" (RFC 7644 §3.5.2.2)`);
    if (op.trim().toLowerCase() !== "remove" && !("value" in operation)) throw invalidValue(`${where}: an ${op} needs a "value"`);
    const { path: _path, ...rest } = operation;
    return (pathless ? rest : { ...rest, path }) as unknown as PatchOperation;
  });
}

/** The schemas a resource lists: its core schema and the extensions it has values for. */
function withListedSchemas(type: ScimResourceType, resource: Json): Json {
  const extensions = CATALOGS[type].extensionSchemas.filter((urn) => resource[urn] !== undefined);
  return { ...resource, schemas: [CORE_SCHEMAS[type], ...extensions] };
}

/**
 * Applies a PATCH request (RFC 7644 §3.5.2) to the current resource (SCIM JSON with id, without meta),
 * returning the patched resource, or `current` itself when nothing changed.
 */
export async function applyPatch(type: ScimResourceType, current: Json, body: unknown): Promise<Json> {
  const operations = normalizePatchOperations(type, requirePatchOperations(body), current);
  const patched = applyOperations(type, CATALOGS[type], current, operations);
  if (sameJson(patched, current)) return current;
  return { ...validResource(type, withListedSchemas(type, patched)), id: current.id };
}
