/**
 * A stored group as SCIM JSON (RFC 7643 §4.2): the stored resource plus id, members, the read-only
 * GitLab extension (the GitLab groups its mappings point at, when the store loaded them) and meta.
 */
import { accessName } from "../../provisioning/access-levels";
import type { GitLabGroupEntry } from "../../provisioning/gitlab-group-state";
import type { GroupRecord } from "../../provisioning/group-store";
import { etagOf } from "../http/etag";
import { GITLAB_GROUP_SCHEMA, GROUP_SCHEMA } from "../schema/scimmy-schemas";

type Json = Record<string, unknown>;

export function groupResource(record: GroupRecord, base: string): Json {
  const { row } = record;
  const { schemas, ...attributes } = row.resource as Json;
  const resource: Json = { schemas: schemas ?? [GROUP_SCHEMA], id: row.id, ...attributes, displayName: row.displayName };
  if (record.members) {
    resource.members = record.members.map((m) => ({ value: m.id, display: m.displayName ?? m.userName, type: "User", $ref: `${base}/Users/${m.id}` }));
  }
  if (record.gitlabGroups) {
    resource.schemas = [...(resource.schemas as string[]), GITLAB_GROUP_SCHEMA];
    resource[GITLAB_GROUP_SCHEMA] = record.gitlabGroups.length > 0 ? { gitlabGroups: record.gitlabGroups.map(gitlabGroupEntry) } : {};
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

/** One entry; unassigned attributes left out (RFC 7643 §2.5). */
function gitlabGroupEntry(e: GitLabGroupEntry): Json {
  const entry: Json = { fullPath: e.fullPath };
  if (e.gitlabGroupId !== null) entry.gitlabGroupId = e.gitlabGroupId;
  entry.accessLevel = accessName(e.accessLevel);
  entry.syncState = e.syncState;
  if (e.lastError !== null) entry.lastError = e.lastError;
  if (e.lastSyncedAt !== null) entry.lastSyncedAt = new Date(e.lastSyncedAt).toISOString();
  return entry;
}
