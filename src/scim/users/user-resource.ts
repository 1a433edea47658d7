/** A stored user as SCIM JSON (RFC 7643 §4.1): the stored resource plus id, read-only groups and meta. */
import type { UserRecord } from "../../provisioning/user-store";
import { etagOf } from "../http/etag";
import { USER_SCHEMA } from "../schema/scimmy-schemas";

type Json = Record<string, unknown>;

export function userResource(record: UserRecord, base: string): Json {
  const { row } = record;
  const { schemas, ...attributes } = row.resource as Json;
  // `active` always goes out (Okta reads it on every user); an IdP that never sent it means active.
  const resource: Json = { schemas: schemas ?? [USER_SCHEMA], id: row.id, ...attributes, active: row.active };
  if (record.groups && record.groups.length > 0) {
    resource.groups = record.groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${base}/Groups/${g.id}`, type: "direct" }));
  }
  resource.meta = {
    resourceType: "User",
    created: row.createdAt.toISOString(),
    lastModified: row.updatedAt.toISOString(),
    location: `${base}/Users/${row.id}`,
    version: etagOf(row.version),
  };
  return resource;
}
