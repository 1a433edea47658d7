/**
 * PLACEHOLDER — being written by the IdP-dialect engineer. Interface (keep it):
 * One place where what Entra ID, Okta and other IdPs really send is rewritten into RFC 7643/7644
 * shapes before validation. Pure functions: no I/O.
 */
export type ScimResourceType = "User" | "Group";

export interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

/** POST/PUT bodies: string booleans, nulls on multi-valued attributes, manager as a string, … */
export function normalizeResourceBody(_type: ScimResourceType, body: Record<string, unknown>): Record<string, unknown> {
  return body;
}

/**
 * PATCH operations, given the current resource (as SCIM JSON) so that e.g. an Entra `Add` on
 * `emails[type eq "work"].value` with no such entry can become an add of a new entry.
 */
export function normalizePatchOperations(
  _type: ScimResourceType,
  operations: PatchOperation[],
  _current: Record<string, unknown>,
): PatchOperation[] {
  return operations;
}
