/**
 * Groups by full path, and subgroups the bridge creates for unmapped SCIM groups (contract §3). The
 * full path is the identity of a group, so creating one whose path is taken finds it again instead of
 * failing: a repeat after a crash returns the group the first attempt made.
 */
import type { GitLabClient } from "./client";
import { GitLabError } from "./errors";
import type { GitLabGroup } from "./types";

/** contract §3: GET /groups/:id takes the URL-encoded full path; 404 also when we cannot see it → null. */
export async function findGroupByFullPath(client: GitLabClient, fullPath: string): Promise<GitLabGroup | null> {
  const answer = await client.call({ method: "GET", path: `/groups/${encodeURIComponent(fullPath)}`, query: { with_projects: false } }, { accept: [404] });
  return answer.status === 404 ? null : (answer.body as GitLabGroup);
}

export interface NewSubgroup {
  parent: Pick<GitLabGroup, "id" | "full_path">;
  path: string;
  name: string;
  visibility?: "private" | "internal" | "public";
}

/**
 * contract §3: POST /groups with parent_id → 201. A taken path is 400 "Failed to save group
 * {:path=>["has already been taken"]}" (§9.8, not a 409); then the group at that path is returned.
 */
export async function createSubgroup(client: GitLabClient, group: NewSubgroup): Promise<{ group: GitLabGroup; created: boolean }> {
  try {
    const { body } = await client.call({
      method: "POST",
      path: "/groups",
      body: { name: group.name, path: group.path, parent_id: group.parent.id, visibility: group.visibility ?? "private" },
    });
    return { group: body as GitLabGroup, created: true };
  } catch (e) {
    if (!(e instanceof GitLabError) || e.status !== 400 || !/has already been taken/.test(e.gitlabMessage ?? "")) throw e;
    const existing = await findGroupByFullPath(client, `${group.parent.full_path}/${group.path}`);
    if (!existing) throw e;
    return { group: existing, created: false };
  }
}
