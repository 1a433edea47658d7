/**
 * Direct group memberships (contract §4). Every write is idempotent:
 * - add one user: 201 member, or 409 "Member already exists" → already a member (§4.3 rule 2);
 * - add several: `user_id=1,2,3` in one call (§4.2), answered 201 {"status":"success"} — or 201
 *   {"status":"error","message":…} when it failed, which becomes a permanent GitLabError with reason
 *   "batch_error" (§4.3, §9.12); existing members are updated to the level (Addenda, inferred), so a
 *   repeat changes nothing, and a caller that must not change a hand-made level observes first;
 * - change a level: 200, or 404 "404 Not found" → not a member (null);
 * - remove: 204, or 404 → already gone (§4.4). skip_subresources=true (the default here) removes only
 *   the group membership; false cascades into the user's subgroup and project memberships (a leaver's).
 *   Removals count against GitLab's members_delete limit per group (§6), which the client paces.
 * Every members route answers 404 "404 Group Not Found" when the group itself is gone (§0.1, §4.2; also
 * when the token cannot see it): that is GitLabGroupNotFound, never "not a member".
 */
import type { GitLabClient } from "./client";
import { GitLabError, gitlabMessageOf } from "./errors";
import type { GitLabAnswer } from "./transport";
import type { GitLabMember } from "./types";

const GROUP_NOT_FOUND = "404 Group Not Found";

/** The group a members call named does not exist (any more), or the token cannot see it. */
export class GitLabGroupNotFound extends Error {
  constructor(readonly groupId: number) {
    super(`GitLab group #${groupId} does not exist any more, or the token cannot see it (404 Group Not Found)`);
    this.name = "GitLabGroupNotFound";
  }
}

/** The group's own 404, whether the call refused it (a GitLabError) or accepted it (an answer). */
function groupIsGone(status: number | null, message: string | null): boolean {
  return status === 404 && message === GROUP_NOT_FOUND;
}

/** A refusal of a members call as the caller should see it: the group's own 404 is GitLabGroupNotFound. */
function groupNotFound(error: unknown, groupId: number): unknown {
  return error instanceof GitLabError && groupIsGone(error.status, error.gitlabMessage) ? new GitLabGroupNotFound(groupId) : error;
}

/** A call on the group's members, with the group's own 404 told apart from a member's ("404 Not found"). */
async function onGroup(groupId: number, call: () => Promise<GitLabAnswer>): Promise<GitLabAnswer> {
  let answer: GitLabAnswer;
  try {
    answer = await call();
  } catch (error) {
    throw groupNotFound(error, groupId);
  }
  if (groupIsGone(answer.status, gitlabMessageOf(answer.body, answer.text))) throw new GitLabGroupNotFound(groupId);
  return answer;
}

/** How many user ids one add or one look-up carries. GitLab documents no limit for user_id lists (unconfirmed). */
export const ADD_BATCH_SIZE = 100;

/** contract §4.2: direct members only, every page. */
export async function listMembers(client: GitLabClient, groupId: number, query?: { user_ids: string }): Promise<GitLabMember[]> {
  try {
    return await client.listAll<GitLabMember>(`/groups/${groupId}/members`, query);
  } catch (error) {
    throw groupNotFound(error, groupId);
  }
}

/** contract §4.2: which of these users are direct members (user_ids as a comma string), ≤ ADD_BATCH_SIZE per call. */
export async function findDirectMembers(client: GitLabClient, groupId: number, userIds: readonly number[]): Promise<GitLabMember[]> {
  const found: GitLabMember[] = [];
  for (let i = 0; i < userIds.length; i += ADD_BATCH_SIZE) {
    found.push(...(await listMembers(client, groupId, { user_ids: userIds.slice(i, i + ADD_BATCH_SIZE).join(",") })));
  }
  return found;
}

/** contract §4.2: one direct member, or null (404 "404 Not found"). */
export async function findDirectMember(client: GitLabClient, groupId: number, userId: number): Promise<GitLabMember | null> {
  const answer = await onGroup(groupId, () => client.call({ method: "GET", path: `/groups/${groupId}/members/${userId}` }, { accept: [404] }));
  return answer.status === 404 ? null : (answer.body as GitLabMember);
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

/** `expires_at` as GitLab takes it: YYYY-MM-DD, or "" to clear it on a change. */
function expiry(expiresAt: string | null | undefined): Record<string, string> {
  return expiresAt === undefined ? {} : { expires_at: expiresAt ?? "" };
}

export async function addMembers(client: GitLabClient, groupId: number, userIds: readonly number[], accessLevel: number, expiresAt?: string | null): Promise<AddMembersResult> {
  const alreadyMembers: number[] = [];
  for (let i = 0; i < userIds.length; i += ADD_BATCH_SIZE) {
    const batch = userIds.slice(i, i + ADD_BATCH_SIZE);
    const request = { method: "POST" as const, path: `/groups/${groupId}/members`, body: { user_id: batch.join(","), access_level: accessLevel, ...(expiresAt ? { expires_at: expiresAt } : {}) } };
    const answer = await onGroup(groupId, () => client.call(request, batch.length === 1 ? { accept: [409] } : { failureInBody: batchFailure }));
    if (answer.status === 409) alreadyMembers.push(batch[0]);
  }
  return { alreadyMembers };
}

/** contract §4.3: one user; "created", or "exists" on 409 "Member already exists". Other refusals are thrown. */
export async function addMember(client: GitLabClient, groupId: number, userId: number, accessLevel: number, expiresAt: string | null): Promise<"created" | "exists"> {
  const answer = await onGroup(groupId, () =>
    client.call({ method: "POST", path: `/groups/${groupId}/members`, body: { user_id: userId, access_level: accessLevel, ...(expiresAt ? { expires_at: expiresAt } : {}) } }, { accept: [409] }),
  );
  return answer.status === 409 ? "exists" : "created";
}

export async function editMemberLevel(client: GitLabClient, groupId: number, userId: number, accessLevel: number, expiresAt?: string | null): Promise<GitLabMember | null> {
  const answer = await onGroup(groupId, () => client.call({ method: "PUT", path: `/groups/${groupId}/members/${userId}`, body: { access_level: accessLevel, ...expiry(expiresAt) } }, { accept: [404] }));
  return answer.status === 404 ? null : (answer.body as GitLabMember);
}

export async function removeMember(client: GitLabClient, groupId: number, userId: number, options: { skipSubresources?: boolean } = {}): Promise<"removed" | "not_member"> {
  const answer = await onGroup(groupId, () =>
    client.call({ method: "DELETE", path: `/groups/${groupId}/members/${userId}`, query: { skip_subresources: options.skipSubresources ?? true } }, { accept: [404], endpointLimit: { name: "members_delete", key: String(groupId) } }),
  );
  return answer.status === 404 ? "not_member" : "removed";
}
