/**
 * Finding, creating and updating GitLab users (contract §1.1–§1.3, §1.6, §2). Finders return null or an
 * empty list for "no such user"; creation is idempotent across a crash: a repeat of a create that
 * GitLab already carried out answers 409, and the user it made is found again by its identity.
 */
import type { GitLabClient } from "./client";
import { GitLabError } from "./errors";
import type { GitLabUser } from "./types";

/**
 * contract §2 / §9.11: GET /users?extern_uid=&provider= is admin-only and returns 0 or 1 users. The
 * identity is checked again here (GitLab's extern_uid matching may ignore case, Addenda (unconfirmed)).
 */
export async function findUserByIdentity(client: GitLabClient, provider: string, externUid: string): Promise<GitLabUser | null> {
  const users = await client.listAll<GitLabUser>("/users", { extern_uid: externUid, provider });
  return users.find((u) => (u.identities ?? []).some((i) => i.provider === provider && i.extern_uid.toLowerCase() === externUid.toLowerCase())) ?? null;
}

/**
 * contract §1.6: an admin's `search` matches an email only as the exact full address (primary or
 * secondary), but also matches names and usernames partially; only users whose primary email is the
 * address are returned (a secondary address is not in the entity, so such a holder is not a candidate;
 * creating with that address would answer 409).
 */
export async function findUsersByEmail(client: GitLabClient, email: string): Promise<GitLabUser[]> {
  const users = await client.listAll<GitLabUser>("/users", { search: email });
  return users.filter((u) => u.email?.toLowerCase() === email.toLowerCase());
}

/** contract §1.1: `username` is an exact, case-insensitive match. */
export async function findUserByUsername(client: GitLabClient, username: string): Promise<GitLabUser | null> {
  const { body } = await client.call({ method: "GET", path: "/users", query: { username } });
  return (body as GitLabUser[])[0] ?? null;
}

/** contract §1.1: 404 "404 User Not Found" → null. */
export async function findUser(client: GitLabClient, id: number): Promise<GitLabUser | null> {
  const answer = await client.call({ method: "GET", path: `/users/${id}` }, { accept: [404] });
  return answer.status === 404 ? null : (answer.body as GitLabUser);
}

export interface NewGitLabUser {
  username: string;
  name: string;
  email: string;
  provider: string;
  externUid: string;
}

/**
 * contract §1.2: POST /users with skip_confirmation (the IdP vouches for the address),
 * force_random_password (sign-in is through SSO; GitLab mails nothing the user must act on) and the
 * identity. A 409 (email, then username taken) is a conflict unless the holder is the user this very
 * call made before a crash or timeout: same identity and username, found again by identity.
 */
/**
 * `findOwnOnConflict: false` skips that lookup and throws the 409 as is: for a caller that looks the
 * candidates up itself after any refusal (the user reconciler's planner), so GitLab is not asked twice.
 */
export async function createUser(client: GitLabClient, user: NewGitLabUser, options: { findOwnOnConflict?: boolean } = {}): Promise<{ user: GitLabUser; created: boolean }> {
  try {
    const { body } = await client.call({
      method: "POST",
      path: "/users",
      body: {
        username: user.username,
        name: user.name,
        email: user.email,
        skip_confirmation: true,
        force_random_password: true,
        provider: user.provider,
        extern_uid: user.externUid,
      },
    });
    return { user: body as GitLabUser, created: true };
  } catch (e) {
    if (!(e instanceof GitLabError) || e.status !== 409 || options.findOwnOnConflict === false) throw e;
    const existing = await findUserByIdentity(client, user.provider, user.externUid);
    if (existing && existing.username.toLowerCase() === user.username.toLowerCase()) return { user: existing, created: false };
    throw e;
  }
}

export interface GitLabUserChanges {
  name?: string;
  email?: string;
  /** contract §1.3 / §2: sets (or overwrites) the user's identity for this provider. */
  identity?: { provider: string; externUid: string };
}

/**
 * contract §1.3: PUT /users/:id. An email change goes with skip_reconfirmation (without it GitLab keeps
 * the old address and parks the new one in unconfirmed_email). 409 "Email has already been taken" is a
 * permanent GitLabError with reason "conflict" — also for an address another user gave up by an email
 * change, which GitLab keeps as that user's confirmed secondary email (user.rb
 * update_emails_with_primary_email); the user's own previous address is not a conflict.
 */
export async function updateUser(client: GitLabClient, id: number, changes: GitLabUserChanges): Promise<GitLabUser> {
  const body: Record<string, unknown> = {};
  if (changes.name !== undefined) body.name = changes.name;
  if (changes.email !== undefined) {
    body.email = changes.email;
    body.skip_reconfirmation = true;
  }
  if (changes.identity !== undefined) {
    body.provider = changes.identity.provider;
    body.extern_uid = changes.identity.externUid;
  }
  const answer = await client.call({ method: "PUT", path: `/users/${id}`, body });
  return answer.body as GitLabUser;
}

/**
 * contract §1.5: DELETE /users/:id answers 204 at once and deletes in the background; `hard_delete`
 * also removes contributions (and blocks the user at once). 404 (already gone) is a success, so a
 * repeat after a crash changes nothing.
 */
export async function deleteUser(client: GitLabClient, id: number, options: { hard: boolean }): Promise<void> {
  await client.call({ method: "DELETE", path: `/users/${id}`, query: options.hard ? { hard_delete: true } : undefined }, { accept: [404] });
}

/**
 * contract §5 and §1.6: every user, a page at a time, in id order, by keyset pagination (offset
 * pagination on /users stops at 50,000 records; keyset has no limit, and a user created or deleted
 * meanwhile does not shift the pages). The next page is only reachable through the link rel="next",
 * whose query (cursor or id_after, GitLab's choice) is followed as given. Yields each page.
 */
export async function* listUsersByKeyset(client: GitLabClient, query: Record<string, string | number | boolean> = {}): AsyncGenerator<GitLabUser[]> {
  let next: Record<string, string> | null = { ...stringify(query), pagination: "keyset", order_by: "id", sort: "asc", per_page: "100" };
  while (next) {
    const answer = await client.call({ method: "GET", path: "/users", query: next });
    if (!Array.isArray(answer.body)) throw new GitLabError({ kind: "permanent", reason: "client_error", method: "GET", path: "/api/v4/users", status: answer.status, gitlabMessage: "expected a JSON array", retryAfterMs: null, gitLabWide: false });
    yield answer.body as GitLabUser[];
    next = nextPageQuery(answer.headers.get("link"));
  }
}

function stringify(query: Record<string, string | number | boolean>): Record<string, string> {
  return Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)]));
}

/** The query of the link header's rel="next" URL; null on the last page. */
function nextPageQuery(link: string | null): Record<string, string> | null {
  const next = (link ?? "").split(",").find((part) => /;\s*rel="next"/.test(part));
  const url = next?.match(/<([^>]+)>/)?.[1];
  if (!url) return null;
  return Object.fromEntries(new URL(url).searchParams);
}
