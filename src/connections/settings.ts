/**
 * A connection's provisioning policy: how its SCIM users become GitLab users and what happens when
 * they leave. Stored as the Connection row's `settings` JSON; missing keys take the defaults below, so
 * a connection created before a setting existed behaves as the default says.
 */
import { ACCESS_NAMES, type AccessName } from "../provisioning/access-levels";

export const DEPROVISION_ACTIONS = ["block", "deactivate", "ban", "none"] as const;
export type DeprovisionAction = (typeof DEPROVISION_ACTIONS)[number];

export const EXTERN_UID_SOURCES = ["externalId", "userName", "id"] as const;
export type ExternUidSource = (typeof EXTERN_UID_SOURCES)[number];

export const GITLAB_USER_DELETION = ["never", "soft", "hard"] as const;
export type GitLabUserDeletion = (typeof GITLAB_USER_DELETION)[number];

export interface ConnectionSettings {
  /** What `active: false` and SCIM DELETE do to the GitLab user. */
  readonly deprovision: DeprovisionAction;
  /** Also revoke the user's personal access tokens and delete their SSH keys when deprovisioning. */
  readonly revokeTokens: boolean;
  /** Create a GitLab user when no existing one can be linked. */
  readonly createUsers: boolean;
  /** The identity provider name of the GitLab identity (`provider`), e.g. saml. */
  readonly identityProvider: string;
  /** Which SCIM attribute feeds the identity's `extern_uid`. */
  readonly externUidFrom: ExternUidSource;
  /** Whether SCIM DELETE deletes the GitLab account (soft: contributions kept as Ghost; hard: everything). */
  readonly deleteGitLabUsers: GitLabUserDeletion;
  /** Record the GitLab calls the reconcilers would make, without making them. */
  readonly dryRun: boolean;
  /**
   * A leaver (active false) loses the GitLab memberships the bridge manages. When never set it follows
   * deprovision: on with "none" (removing memberships is then all deprovisioning does), off otherwise
   * (GitLab keeps a blocked user's memberships, and reactivation needs nothing restored).
   */
  readonly removeMemberships: boolean;
  /** SCIM groups no rule maps: ignored, or each given a GitLab subgroup of unmappedParent. */
  readonly unmappedGroups: UnmappedGroupMode;
  /** Full path of the GitLab group under which unmapped SCIM groups get their subgroups. */
  readonly unmappedParent: string | null;
  /** The access level members of an unmapped group get in its subgroup. */
  readonly unmappedAccess: AccessName;
  /**
   * The mass-change guard: a pass that would remove memberships of, or a burst that would block, more
   * than max(massChangePercent % of the connection's linked users, massChangeMinimum) stops before acting
   * and waits for an admin (`approve HOLD_ID` or `discard HOLD_ID`).
   */
  readonly massChangePercent: number;
  readonly massChangeMinimum: number;
}

export const DEFAULT_CONNECTION_SETTINGS: ConnectionSettings = Object.freeze({
  deprovision: "block",
  revokeTokens: false,
  createUsers: true,
  identityProvider: "saml",
  externUidFrom: "externalId",
  deleteGitLabUsers: "never",
  dryRun: false,
  removeMemberships: false,
  unmappedGroups: "ignore",
  unmappedParent: null,
  unmappedAccess: "guest",
  massChangePercent: 10,
  massChangeMinimum: 50,
});

/** A GitLab group's full path: namespace paths joined by '/' (Gitlab::PathRegex, in outline). */
export const GROUP_FULL_PATH = /^[a-zA-Z0-9_.][a-zA-Z0-9_.-]*(\/[a-zA-Z0-9_.][a-zA-Z0-9_.-]*)*$/;

/** GitLab's provider names are OmniAuth strategy names: letters, digits, '_' and '-'. */
const PROVIDER = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

export const UNMAPPED_GROUP_MODES = ["ignore", "create"] as const;
export type UnmappedGroupMode = (typeof UNMAPPED_GROUP_MODES)[number];

export class SettingsError extends Error {}

/**
 * The effective settings of a stored `settings` JSON: defaults for what is missing. A stored value that
 * is not valid (written by hand in the database) is refused with the key named, not silently replaced.
 */
export function readSettings(stored: unknown): ConnectionSettings {
  const object = stored && typeof stored === "object" && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
  return effective(pickKnown(object));
}

/**
 * The settings after a change to the stored ones (only the keys an operator set); throws SettingsError
 * naming the first invalid value.
 */
export function changeSettings(stored: Partial<ConnectionSettings>, change: Partial<ConnectionSettings>): ConnectionSettings {
  return effective({ ...pickKnown(stored as Record<string, unknown>), ...pickKnown(change as Record<string, unknown>) });
}

function effective(set: Partial<ConnectionSettings>): ConnectionSettings {
  const deprovision = set.deprovision ?? DEFAULT_CONNECTION_SETTINGS.deprovision;
  return validateSettings({ ...DEFAULT_CONNECTION_SETTINGS, removeMemberships: deprovision === "none", ...set });
}

function pickKnown(object: Record<string, unknown>): Partial<ConnectionSettings> {
  const known: Record<string, unknown> = {};
  for (const key of Object.keys(DEFAULT_CONNECTION_SETTINGS)) if (object[key] !== undefined) known[key] = object[key];
  return known as Partial<ConnectionSettings>;
}

function validateSettings(s: ConnectionSettings): ConnectionSettings {
  oneOf("deprovision", s.deprovision, DEPROVISION_ACTIONS);
  oneOf("externUidFrom", s.externUidFrom, EXTERN_UID_SOURCES);
  oneOf("deleteGitLabUsers", s.deleteGitLabUsers, GITLAB_USER_DELETION);
  oneOf("unmappedGroups", s.unmappedGroups, UNMAPPED_GROUP_MODES);
  oneOf("unmappedAccess", s.unmappedAccess, ACCESS_NAMES);
  for (const key of ["revokeTokens", "createUsers", "dryRun", "removeMemberships"] as const) {
    if (typeof s[key] !== "boolean") throw new SettingsError(`${key} must be true or false, got ${JSON.stringify(s[key])}`);
  }
  if (typeof s.identityProvider !== "string" || !PROVIDER.test(s.identityProvider)) {
    throw new SettingsError(`identityProvider must be a GitLab provider name (letters, digits, '_' or '-'), got ${JSON.stringify(s.identityProvider)}`);
  }
  if (s.unmappedParent !== null && (typeof s.unmappedParent !== "string" || !GROUP_FULL_PATH.test(s.unmappedParent))) {
    throw new SettingsError(`unmappedParent must be a GitLab group's full path (e.g. acme/teams), got ${JSON.stringify(s.unmappedParent)}`);
  }
  if (typeof s.massChangePercent !== "number" || !(s.massChangePercent >= 0 && s.massChangePercent <= 100)) {
    throw new SettingsError(`massChangePercent must be a number from 0 to 100, got ${JSON.stringify(s.massChangePercent)}`);
  }
  if (!Number.isInteger(s.massChangeMinimum) || s.massChangeMinimum < 0) {
    throw new SettingsError(`massChangeMinimum must be a whole number of 0 or more, got ${JSON.stringify(s.massChangeMinimum)}`);
  }
  return Object.freeze({ ...s });
}

/** Rules between settings, checked when an operator changes them (each value alone is checked always). */
export function assertCoherent(s: ConnectionSettings): void {
  if (s.unmappedGroups === "create" && s.unmappedParent === null) {
    throw new SettingsError("unmappedGroups create needs unmappedParent: the GitLab group the subgroups are created under");
  }
}

/** How many removals or blocks one pass (or burst) may make before the mass-change guard holds it. */
export function massChangeThreshold(settings: ConnectionSettings, linkedUsers: number): number {
  return Math.max(Math.floor((linkedUsers * settings.massChangePercent) / 100), settings.massChangeMinimum);
}

function oneOf(key: string, value: unknown, choices: readonly string[]): void {
  if (!choices.includes(value as string)) throw new SettingsError(`${key} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
}
