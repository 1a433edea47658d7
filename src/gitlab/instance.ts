/**
 * What the bridge checks about its GitLab at start: whose token it holds and whether that user is an
 * admin, and which GitLab version answers. Errors are left to the caller, which turns a 401 or a
 * missing is_admin into the sentence that stops the start, and an unreachable GitLab into a warning.
 */
import type { CallOptions, GitLabClient } from "./client";
import type { GitLabUser } from "./types";

export interface GitLabIdentityCheck {
  userId: number;
  username: string;
  /** contract §1.1 / §9.15: only admins get `"is_admin": true`; others' answer has no is_admin key. */
  isAdmin: boolean;
}

export interface GitLabVersion {
  version: string;
  revision: string;
  /** Which endpoint answered: /metadata, or /version on GitLab older than 15.2. */
  source: "metadata" | "version";
}

/** GET /user (contract §1.1). A rejected token throws a permanent GitLabError with status 401. */
export async function requireTokenOwner(client: GitLabClient, options?: CallOptions): Promise<GitLabIdentityCheck> {
  const { body } = await client.call({ method: "GET", path: "/user" }, options);
  const user = body as GitLabUser;
  return { userId: user.id, username: user.username, isAdmin: user.is_admin === true };
}

/**
 * GET /metadata, and the deprecated GET /version (same entity) where /metadata is unknown (404): the
 * metadata API came in GitLab 15.2; /version is the only one of the two in the OpenAPI subset.
 */
export async function requireGitLabVersion(client: GitLabClient, options?: CallOptions): Promise<GitLabVersion> {
  const metadata = await client.call({ method: "GET", path: "/metadata" }, { ...options, accept: [404] });
  if (metadata.status !== 404) return { ...versionOf(metadata.body), source: "metadata" };
  const version = await client.call({ method: "GET", path: "/version" }, options);
  return { ...versionOf(version.body), source: "version" };
}

function versionOf(body: unknown): { version: string; revision: string } {
  const b = (body ?? {}) as { version?: unknown; revision?: unknown };
  return { version: String(b.version ?? "unknown"), revision: String(b.revision ?? "unknown") };
}
