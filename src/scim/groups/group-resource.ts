/** A stored group as SCIM JSON (RFC 7643 §4.2): the stored resource plus id, members and meta. */
import type { GroupRecord } from "../../provisioning/group-store";
import { etagOf } from "../http/etag";
import { GROUP_SCHEMA } from "../schema/scimmy-schemas";

type Json = Record<string, unknown>;

export function groupResource(record: GroupRecord, base: string): Json {
  const { row } = record;
  const { schemas, ...attributes } = row.resource as Json;
  const resource: Json = { schemas: schemas ?? [GROUP_SCHEMA], id: row.id, ...attributes, displayName: row.displayName };
  if (record.members) {
    resource.members = record.members.map((m) => ({ value: m.id, display: m.displayName ?? m.userName, type: "User", $ref: `${base}/Users/${m.id}` }));
  }
  resource.meta = {
    resourceType: "Group",
    created: row.createdAt.toISOString(),
    lastModified: row.updatedAt.toISOString(),
    location: `${base}/Groups/${row.id}`,
    version: etagOf(row.version),
  };
  return resource;
}
