/**
 * The one place where what Entra ID, Okta and other IdPs really send is rewritten into RFC 7643/7644
 * shapes before validation (catalogue: ../shared/scim-idp.md). Pure functions: no I/O, no clock.
 * The SCIM core calls, before scimmy or any validation sees a request:
 *  - normalizeResourceBody on POST/PUT bodies;
 *  - normalizePatchOperations on PATCH `Operations`, with the current resource as SCIM JSON.
 * (`filter` query parameters are read leniently by the core's own parser, src/scim/filter.)
 * None of them depends on which IdP a connection is declared as: no quirk handled here conflicts with
 * what a compliant client means, so every connection gets all of them.
 */
export type { PatchOperation, ScimResourceType } from "./types";
export { normalizeResourceBody } from "./resource-body";
export { normalizePatchOperations, wellFormedPatchOperations } from "./patch-operations";
