/**
 * A user's personal access tokens and SSH keys, for offboarding with revoke_tokens (contract §7.2). Both
 * removals are idempotent: a token or key that is already gone (404) is a success, and a repeat after a
 * crash lists again and finds nothing left to remove.
 */
import type { GitLabClient } from "./client";
import type { GitLabPersonalAccessToken, GitLabSshKey } from "./types";

/**
 * GET /personal_access_tokens?user_id=&state=active. Addenda (inferred): a user_id that matches no
 * user is not applied and an admin then gets every token of the instance, so each token's user_id is
 * checked here before anyone revokes anything.
 */
export async function listActiveTokens(client: GitLabClient, userId: number): Promise<GitLabPersonalAccessToken[]> {
  const tokens = await client.listAll<GitLabPersonalAccessToken>("/personal_access_tokens", { user_id: userId, state: "active" });
  return tokens.filter((t) => t.user_id === userId);
}

/** contract §7.2: DELETE /personal_access_tokens/:id → 204; 404 (gone) is a success. */
export async function revokeToken(client: GitLabClient, tokenId: number): Promise<void> {
  await client.call({ method: "DELETE", path: `/personal_access_tokens/${tokenId}` }, { accept: [404] });
}

export async function listSshKeys(client: GitLabClient, userId: number): Promise<GitLabSshKey[]> {
  return client.listAll<GitLabSshKey>(`/users/${userId}/keys`);
}

/** DELETE /users/:id/keys/:key_id → 204; 404 "404 Key Not Found" (gone) is a success. */
export async function deleteSshKey(client: GitLabClient, userId: number, keyId: number): Promise<void> {
  await client.call({ method: "DELETE", path: `/users/${userId}/keys/${keyId}` }, { accept: [404] });
}
