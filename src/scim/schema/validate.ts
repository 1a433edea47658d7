/**
 * Request bodies in, validated SCIM resources out. The order is fixed: shape check → IdP dialect
 * normalisation (scim/dialect) → scimmy schema coercion (types, required attributes, read-only
 * attributes dropped, unknown attributes dropped as RFC 7644 §3.3 allows). Nothing is stored before
 * all of it succeeds.
 */
import { normalizePatchOperations, normalizeResourceBody, type PatchOperation, type ScimResourceType } from "../dialect/normalize";
import { invalidSyntax, invalidValue } from "../errors";
import { withScimmy, withScimmyAsync } from "../scimmy-errors";
import { GROUP_SCHEMA, GroupSchema, PATCH_OP_SCHEMA, SCIMMY, USER_SCHEMA, UserSchema } from "./scimmy-schemas";

type Json = Record<string, unknown>;

const SCHEMA_CLASSES = { User: UserSchema, Group: GroupSchema } as const;
const CORE_SCHEMAS = { User: USER_SCHEMA, Group: GROUP_SCHEMA } as const;

export function requireJsonObject(body: unknown, what: string): Json {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidSyntax(`${what} must be a JSON object`);
  return body as Json;
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
    if (typeof member.value !== "string" || member.value === "") throw invalidValue("Every member needs a non-empty \"value\" (the user's id)");
    // Members without a type are users (Entra and Okta never send one); nested groups are not supported.
    if (member.type !== undefined && String(member.type).toLowerCase() !== "user") {
      throw invalidValue(`Member ${member.value} has type "${member.type}"; only User members are supported`);
    }
  }
}

/** A POST or PUT body as a validated resource (without id/meta; password still present for the caller to drop). */
export function validateResourceBody(type: ScimResourceType, body: unknown): Json {
  const normalized = normalizeResourceBody(type, requireJsonObject(body, "The request body"));
  requireCoreSchema(type, normalized);
  const coerced = plain(withScimmy(() => SCHEMA_CLASSES[type].definition.coerce(normalized, "in")));
  if (type === "Group") requireUserMembers(coerced);
  return coerced;
}

/**
 * Applies a PATCH request (RFC 7644 §3.5.2) to the current resource (SCIM JSON with id), returning
 * the patched resource, or the current one when nothing changed.
 */
export async function applyPatch(type: ScimResourceType, current: Json, body: unknown): Promise<Json> {
  const request = requireJsonObject(body, "The PATCH body");
  const operations = request.Operations ?? request.operations;
  if (!Array.isArray(operations)) throw invalidSyntax('The PATCH body needs an "Operations" array');
  for (const [index, op] of operations.entries()) requireJsonObject(op, `Operation ${index + 1}`);
  const normalized: PatchOperation[] = normalizePatchOperations(type, operations as PatchOperation[], current);
  const schemas = Array.isArray(request.schemas) ? request.schemas : [PATCH_OP_SCHEMA];
  const patched = await withScimmyAsync(async () => {
    const message = new SCIMMY.Messages.PatchOp({ schemas: schemas as [typeof PATCH_OP_SCHEMA], Operations: normalized as never });
    return message.apply(new SCHEMA_CLASSES[type](current, "out"));
  });
  const result = patched ? plain(patched) : current;
  if (type === "Group") requireUserMembers(result);
  return result;
}
