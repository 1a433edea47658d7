/**
 * Records held by the emulator's in-memory store. Field names are the emulator's own (camelCase);
 * entities.ts turns them into GitLab's snake_case JSON. Timestamps are ISO strings so that state
 * dumps and seeds round-trip without conversion.
 */

/** contract §1.4: the states GitLab's user state machine knows. */
export type UserState = "active" | "blocked" | "deactivated" | "banned" | "ldap_blocked" | "blocked_pending_approval";

export const USER_STATES: readonly UserState[] = ["active", "blocked", "deactivated", "banned", "ldap_blocked", "blocked_pending_approval"];

/** Internal users (ghost, support bot…) and project bots behave differently in moderation (contract §1.4). */
export type UserType = "human" | "internal" | "project_bot";

export interface Identity {
  provider: string;
  externUid: string;
}

export interface SecondaryEmail {
  email: string;
  confirmed: boolean;
}

export interface UserRecord {
  id: number;
  username: string;
  name: string;
  email: string;
  /** contract §1.3: an email change without skip_reconfirmation lands here, not in `email`. */
  unconfirmedEmail: string | null;
  secondaryEmails: SecondaryEmail[];
  publicEmail: string;
  state: UserState;
  userType: UserType;
  isAdmin: boolean;
  external: boolean;
  canCreateGroup: boolean;
  projectsLimit: number;
  privateProfile: boolean;
  note: string | null;
  bio: string;
  password: string | null;
  passwordExpired: boolean;
  identities: Identity[];
  /** Personal namespace id: users' namespaces share the id sequence with groups, as in GitLab. */
  namespaceId: number;
  createdById: number | null;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  /** YYYY-MM-DD, as GitLab stores it; with currentSignInAt it drives the dormancy rule (contract §1.4). */
  lastActivityOn: string | null;
  currentSignInAt: string | null;
  lastSignInAt: string | null;
  customAttributes: Record<string, string>;
  /** contract §1.5: DELETE answers 204 while the record lingers until the deletion job runs. */
  pendingDeletion: boolean;
}

export type Visibility = "private" | "internal" | "public";

export interface GroupRecord {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  fullName: string;
  parentId: number | null;
  description: string;
  visibility: Visibility;
  createdAt: string;
}

export interface MemberRecord {
  userId: number;
  groupId: number;
  accessLevel: number;
  expiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  createdById: number | null;
}

export interface TokenRecord {
  id: number;
  token: string;
  userId: number;
  name: string;
  description: string;
  scopes: string[];
  revoked: boolean;
  createdAt: string;
  /** YYYY-MM-DD or null (never expires). */
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface SshKeyRecord {
  id: number;
  userId: number;
  title: string;
  key: string;
  createdAt: string;
  expiresAt: string | null;
  usageType: string;
}

export interface OAuthApplication {
  clientId: string;
  clientSecret: string | null;
  redirectUris: string[];
  scopes: string[];
  confidential: boolean;
}

export interface OAuthGrant {
  code: string;
  clientId: string;
  userId: number;
  redirectUri: string;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  expiresAtMs: number;
}

export interface OAuthAccessToken {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  userId: number;
  scopes: string[];
  createdAtMs: number;
  expiresInSeconds: number;
  revoked: boolean;
}
