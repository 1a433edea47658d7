/** ListResponse bodies (RFC 7644 §3.4.2): integers always, Resources always present. */
import { LIST_RESPONSE_SCHEMA } from "../schema/scimmy-schemas";

export function listResponse(totalResults: number, startIndex: number, resources: unknown[]) {
  return { schemas: [LIST_RESPONSE_SCHEMA], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
