/**
 * The save rules of POST and PUT /users (contract §1.2, §1.3). When a user does not save, GitLab answers
 * in this order: email owned by someone (primary or confirmed secondary, lower-cased) → 409; username
 * taken (case-insensitive) → 409; anything else → 400 with the validation hash.
 */
import { conflict, validationError } from "../http/errors";
import type { Store } from "../state/store";
import type { UserRecord } from "../state/types";

export interface UserDraft {
  email?: string;
  username?: string;
  password?: string;
  projectsLimit?: number;
  bio?: string;
  identity?: { provider: string; externUid: string };
  publicEmail?: string;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Gitlab::PathRegex namespace format; the message wording is inferred from GitLab's path regex help text. */
const USERNAME = /^[a-zA-Z0-9_.][a-zA-Z0-9_\-.]*$/;
const USERNAME_MESSAGE = "can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'.";

function usernameInvalid(username: string): boolean {
  return !USERNAME.test(username) || /(\.|\.git|\.atom)$/i.test(username);
}

/** Throws the 409 or 400 GitLab would give for `draft` applied to `self` (undefined when creating). */
export function assertUserSaves(store: Store, draft: UserDraft, self?: UserRecord): void {
  const errors: Record<string, string[]> = {};
  const add = (field: string, message: string) => (errors[field] ??= []).push(message);

  if (draft.email !== undefined) {
    const owner = store.findUserByEmail(draft.email);
    if (owner && owner !== self) throw conflict("Email has already been taken");
    if (!EMAIL.test(draft.email)) add("email", "is invalid");
    // contract §1.2: an address held only as an unconfirmed secondary email is a 400, not a 409.
    else if (isHeldElsewhere(store.findUserByUnconfirmedSecondaryEmail(draft.email), self)) add("email", "has already been taken");
  }
  if (draft.username !== undefined) {
    const owner = store.findUserByUsername(draft.username);
    if (owner && owner !== self) throw conflict("Username has already been taken");
    if (usernameInvalid(draft.username)) add("username", USERNAME_MESSAGE);
    // contract §1.2 (inferred): a username equal to a top-level group path is a `base` error, not a 409.
    else if (store.findGroupByFullPath(draft.username)) add("base", "A user, alias, or group already exists with that username.");
  }
  if (draft.password !== undefined && draft.password.length < 8) add("password", "is too short (minimum is 8 characters)");
  if (draft.projectsLimit !== undefined && draft.projectsLimit < 0) add("projects_limit", "must be greater than or equal to 0");
  if (draft.bio !== undefined && draft.bio.length > 255) add("bio", "is too long (maximum is 255 characters)");
  if (draft.publicEmail !== undefined && draft.publicEmail !== "" && !ownsConfirmedEmail(self, draft)) {
    add("public_email", "is not an email you own");
  }
  // Addenda (inferred): a duplicate extern_uid for the provider fails validation on create only.
  if (!self && draft.identity && store.findUserByIdentity(draft.identity.provider, draft.identity.externUid)) {
    add("identities.extern_uid", "has already been taken");
  }
  if (Object.keys(errors).length) throw validationError(errors);
}

const isHeldElsewhere = (owner: UserRecord | undefined, self?: UserRecord) => owner !== undefined && owner !== self;

function ownsConfirmedEmail(self: UserRecord | undefined, draft: UserDraft): boolean {
  const wanted = draft.publicEmail!.toLowerCase();
  const primary = (self?.email ?? draft.email ?? "").toLowerCase();
  return wanted === primary || (self?.secondaryEmails ?? []).some((s) => s.confirmed && s.email.toLowerCase() === wanted);
}
