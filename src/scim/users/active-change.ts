/**
 * HR offboarding's PATCH, recognised: operations that (after dialect normalisation: Entra's
 * `"False"`, Okta's pathless `{"active": false}`) only set `active` to a boolean become that boolean,
 * applied in one statement without reading the user or running the general PATCH applier (scimmy's PatchOp cost ~1.2 ms of CPU when this was measured).
 * Anything else answers undefined and takes the general path. The last operation wins, as in order.
 */
import { wellFormedPatchOperations } from "../dialect/normalize";

export function activeChangeOf(userId: string, body: unknown): boolean | undefined {
  const operations = wellFormedPatchOperations("User", userId, body);
  if (!operations) return undefined;
  let active: boolean | undefined;
  for (const operation of operations) {
    if ((operation.op !== "replace" && operation.op !== "add") || operation.path !== "active" || typeof operation.value !== "boolean") return undefined;
    active = operation.value;
  }
  return active;
}
