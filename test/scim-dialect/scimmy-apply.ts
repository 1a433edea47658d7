/** Applies PATCH operations with scimmy, as the SCIM core does after normalisation: proves scimmy accepts them. */
import SCIMMY from "scimmy";

const UserResource = SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false);

export async function applyWithScimmy(type: "User" | "Group", current: Record<string, unknown>, operations: unknown[]): Promise<Record<string, unknown>> {
  const Schema = type === "User" ? UserResource.schema : SCIMMY.Resources.Group.schema;
  const message = new SCIMMY.Messages.PatchOp({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: operations as never });
  const patched = await message.apply(new Schema(current, "out"));
  return JSON.parse(JSON.stringify(patched ?? current)) as Record<string, unknown>;
}

/** A resource body validated and coerced by scimmy, as the SCIM core does after normalisation. */
export function validateWithScimmy(type: "User" | "Group", body: Record<string, unknown>): Record<string, unknown> {
  const Schema = type === "User" ? UserResource.schema : SCIMMY.Resources.Group.schema;
  return JSON.parse(JSON.stringify(new Schema(body, "in"))) as Record<string, unknown>;
}
