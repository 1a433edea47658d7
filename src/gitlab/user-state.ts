/**
 * A GitLab user's state actions (contract §1.4), each idempotent: a repeat after a crash is a success
 * that changed nothing. The answers relied on, from the §1.4 matrix:
 * - block: 201 `true` → changed; 201 `null` (already blocked, or banned) → unchanged; ldap_blocked is
 *   403 "LDAP blocked users cannot be modified by the API" → permanent error (reported, not fought);
 * - unblock: 201 `true` → changed; 201 `false` (an active user) → unchanged; a deactivated user is 403;
 * - deactivate: 201 `true` → changed; 201 `null` (already deactivated) → unchanged; a user active in
 *   the last N days is 403 "…has been active in the past N days…" → "recently_active" (the caller
 *   falls back to block); a blocked user is 403;
 * - activate: 201 `true` (a deactivated or already active user); a blocked user is 403;
 * - ban: 201 `true`; 403 "You cannot ban banned users." → unchanged;
 * - unban: 201 `true`; 403 "You cannot unban active users." → unchanged;
 * - approve: 201 {"message":"Success"}; 409 "…is not pending approval" → unchanged (§1.4 Approve).
 * Any other refusal is a permanent GitLabError with GitLab's message.
 */
import type { GitLabClient } from "./client";
import { GitLabError } from "./errors";
import type { StateChange } from "./types";

async function action(client: GitLabClient, id: number, name: string): Promise<unknown> {
  const { body } = await client.call({ method: "POST", path: `/users/${id}/${name}` });
  return body;
}

/** A 403 whose message says the user already is in the wanted state. */
async function tolerating(refusal: RegExp, run: () => Promise<StateChange>): Promise<StateChange> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof GitLabError && e.status === 403 && refusal.test(e.gitlabMessage ?? "")) return "unchanged";
    throw e;
  }
}

export async function blockUser(client: GitLabClient, id: number): Promise<StateChange> {
  return (await action(client, id, "block")) === true ? "changed" : "unchanged";
}

export async function unblockUser(client: GitLabClient, id: number): Promise<StateChange> {
  return (await action(client, id, "unblock")) === true ? "changed" : "unchanged";
}

export type DeactivateResult = StateChange | "recently_active";

export async function deactivateUser(client: GitLabClient, id: number): Promise<DeactivateResult> {
  try {
    return (await action(client, id, "deactivate")) === true ? "changed" : "unchanged";
  } catch (e) {
    if (e instanceof GitLabError && e.status === 403 && /has been active in the past \d+ days/.test(e.gitlabMessage ?? "")) return "recently_active";
    throw e;
  }
}

/** 201 `true` both for a deactivated user (now active) and an active one, so "changed" is not knowable. */
export async function activateUser(client: GitLabClient, id: number): Promise<void> {
  await action(client, id, "activate");
}

export function banUser(client: GitLabClient, id: number): Promise<StateChange> {
  return tolerating(/^You cannot ban banned users\.$/, async () => ((await action(client, id, "ban")) === true ? "changed" : "unchanged"));
}

export function unbanUser(client: GitLabClient, id: number): Promise<StateChange> {
  return tolerating(/^You cannot unban active users\.$/, async () => ((await action(client, id, "unban")) === true ? "changed" : "unchanged"));
}

export async function approveUser(client: GitLabClient, id: number): Promise<StateChange> {
  const answer = await client.call({ method: "POST", path: `/users/${id}/approve` }, { accept: [409] });
  return answer.status === 409 ? "unchanged" : "changed";
}
