/**
 * Direct group memberships (contract §4). Every write is idempotent:
 * - add one user: 201 member, or 409 "Member already exists" → already a member (§4.3 rule 2);
 * - add several: `user_id=1,2,3` in one call (§4.2), answered 201 {"status":"success"} — or 201
 *   {"status":"error","message":…} when it failed, which becomes a permanent GitLabError (§4.3, §9.12);
 *   existing members are updated to the level (Addenda, inferred), so a repeat changes nothing;
 * - change a level: 200, or 404 "404 Not found" → not a member (null);
 * - remove: 204, or 404 → already gone (§4.4); always with skip_subresources=true, so only the
 *   membership the bridge manages goes (the default cascades into subgroups and projects, §9.12).
 */
import type { GitLabClient } from "./client";
import type { GitLabMember } from "./types";

/** How many user ids one add carries. GitLab documents no limit for user_id lists (unconfirmed). */
export const ADD_BATCH_SIZE = 100;

/** contract §4.2: direct members only, every page. */
export function listMembers(client: GitLabClient, groupId: number): Promise<GitLabMember[]> {
  return client.listAll<GitLabMember>(`/groups/${groupId}/members`);
}

export interface AddMembersResult {
  /** Single adds that answered 409: the user was a member already (its level was left as it was). */
  alreadyMembers: number[];
}

/** A multi-user add's 201 body: {"status":"success"} or {"status":"error","message":…} (contract §4.3). */
function batchFailure(body: unknown): string | null {
  const b = (body ?? {}) as { status?: unknown; message?: unknown };
  if (b.status === "success") return null;
  return typeof b.message === "string" ? b.message : JSON.stringify(b.message ?? b);
}

export async function addMembers(client: GitLabClient, groupId: number, userIds: readonly number[], accessLevel: number): Promise<AddMembersResult> {
  const alreadyMembers: number[] = [];
  for (let i = 0; i < userIds.length; i += ADD_BATCH_SIZE) {
    const batch = userIds.slice(i, i + ADD_BATCH_SIZE);
    const request = { method: "POST" as const, path: `/groups/${groupId}/members`, body: { user_id: batch.join(","), access_level: accessLevel } };
    const answer = await client.call(request, batch.length === 1 ? { accept: [409] } : { failureInBody: batchFailure });
    if (answer.status === 409) alreadyMembers.push(batch[0]);
  }
  return { alreadyMembers };
}

export async function editMemberLevel(client: GitLabClient, groupId: number, userId: number, accessLevel: number): Promise<GitLabMember | null> {
  const answer = await client.call({ method: "PUT", path: `/groups/${groupId}/members/${userId}`, body: { access_level: accessLevel } }, { accept: [404] });
  return answer.status === 404 ? null : (answer.body as GitLabMember);
}

export async function removeMember(client: GitLabClient, groupId: number, userId: number): Promise<"removed" | "not_member"> {
  const answer = await client.call({ method: "DELETE", path: `/groups/${groupId}/members/${userId}`, query: { skip_subresources: true } }, { accept: [404] });
  return answer.status === 404 ? "not_member" : "removed";
}
