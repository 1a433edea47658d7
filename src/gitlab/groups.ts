/**
 * Groups by full path, and subgroups the bridge creates for unmapped SCIM groups (contract §3). A
 * create whose path is taken reports the group at that path: whether it is the bridge's own (a repeat
 * after a crash) or another one (a collision) is for the caller to tell, by the group's description.
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
  description?: string;
  visibility?: "private" | "internal" | "public";
}

/** A create's answer: the group made, or the path taken by a group (null when the token cannot see it). */
export type SubgroupCreation = { outcome: "created"; group: GitLabGroup } | { outcome: "taken"; existing: GitLabGroup | null };

/**
 * contract §3: POST /groups with parent_id → 201. A taken path is 400 "Failed to save group
 * {:path=>["has already been taken"]}" (§9.8, not a 409): reported with the group found at that path,
 * for the caller to decide whether it is its own (a repeat after a crash) or someone else's (a collision).
 */
export async function createSubgroup(client: GitLabClient, group: NewSubgroup): Promise<SubgroupCreation> {
  try {
    const { body } = await client.call({
      method: "POST",
      path: "/groups",
      body: { name: group.name, path: group.path, parent_id: group.parent.id, visibility: group.visibility ?? "private", ...(group.description !== undefined ? { description: group.description } : {}) },
    });
    return { outcome: "created", group: body as GitLabGroup };
  } catch (e) {
    if (!isPathTaken(e)) throw e;
    return { outcome: "taken", existing: await findGroupByFullPath(client, `${group.parent.full_path}/${group.path}`) };
  }
}

function isPathTaken(e: unknown): boolean {
  return e instanceof GitLabError && e.status === 400 && /has already been taken/.test(e.gitlabMessage ?? "");
}
