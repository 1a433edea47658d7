/**
 * A stored user as SCIM JSON (RFC 7643 §4.1): the stored resource plus id, read-only groups, the
 * read-only GitLab extension (what the bridge applied in GitLab, when the store loaded it) and meta.
 */
import type { GitLabUserState } from "../../provisioning/gitlab-user-state";
import type { UserRecord } from "../../provisioning/user-store";
import { etagOf } from "../http/etag";
import { GITLAB_USER_SCHEMA, USER_SCHEMA } from "../schema/scimmy-schemas";

type Json = Record<string, unknown>;

export function userResource(record: UserRecord, base: string): Json {
  const { row } = record;
  const { schemas, ...attributes } = row.resource as Json;
  // `active` always goes out (Okta reads it on every user); an IdP that never sent it means active.
  const resource: Json = { schemas: schemas ?? [USER_SCHEMA], id: row.id, ...attributes, active: row.active };
  if (record.groups && record.groups.length > 0) {
    resource.groups = record.groups.map((g) => ({ value: g.id, display: g.displayName, $ref: `${base}/Groups/${g.id}`, type: "direct" }));
  }
  if (record.gitlab) {
    resource.schemas = [...(resource.schemas as string[]), GITLAB_USER_SCHEMA];
    resource[GITLAB_USER_SCHEMA] = gitlabExtension(record.gitlab);
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

/** The extension's attributes; unassigned ones are left out (RFC 7643 §2.5), so an unlinked user shows only its syncState. */
function gitlabExtension(state: GitLabUserState): Json {
  const extension: Json = {};
  if (state.gitlabUserId !== null) extension.gitlabUserId = state.gitlabUserId;
  if (state.gitlabUsername !== null) extension.gitlabUsername = state.gitlabUsername;
  extension.syncState = state.syncState;
  if (state.lastError !== null) extension.lastError = state.lastError;
  if (state.lastSyncedAt !== null) extension.lastSyncedAt = state.lastSyncedAt.toISOString();
  return extension;
}
