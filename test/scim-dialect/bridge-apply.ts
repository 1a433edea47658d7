/**
 * Applies PATCH operations and validates bodies the way the SCIM core does after normalisation
 * (src/scim/schema/validate.ts: the one applier, then scimmy's coercion): proves the normalised
 * shapes are accepted and mean what the IdP meant.
 */
import { applyPatch, validateResourceBody } from "../../src/scim/schema/validate";

const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export async function applyWithBridge(type: "User" | "Group", current: Record<string, unknown>, operations: unknown[]): Promise<Record<string, unknown>> {
  return applyPatch(type, current, { schemas: [PATCH_OP], Operations: operations });
}

/** A resource body validated and coerced, as POST and PUT do. */
export function validateWithBridge(type: "User" | "Group", body: Record<string, unknown>): Record<string, unknown> {
  return validateResourceBody(type, body);
}
