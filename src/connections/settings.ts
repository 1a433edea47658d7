/**
 * A connection's provisioning policy: how its SCIM users become GitLab users and what happens when
 * they leave. Stored as the Connection row's `settings` JSON; missing keys take the defaults below, so
 * a connection created before a setting existed behaves as the default says.
 */
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
}

export const DEFAULT_CONNECTION_SETTINGS: ConnectionSettings = Object.freeze({
  deprovision: "block",
  revokeTokens: false,
  createUsers: true,
  identityProvider: "saml",
  externUidFrom: "externalId",
  deleteGitLabUsers: "never",
  dryRun: false,
});

/** GitLab's provider names are OmniAuth strategy names: letters, digits, '_' and '-'. */
const PROVIDER = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

export class SettingsError extends Error {}

/**
 * The effective settings of a stored `settings` JSON: defaults for what is missing. A stored value that
 * is not valid (written by hand in the database) is refused with the key named, not silently replaced.
 */
export function readSettings(stored: unknown): ConnectionSettings {
  const object = stored && typeof stored === "object" && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
  return validateSettings({ ...DEFAULT_CONNECTION_SETTINGS, ...pickKnown(object) });
}

/** The settings after a change; throws SettingsError naming the first invalid value. */
export function changeSettings(current: ConnectionSettings, change: Partial<ConnectionSettings>): ConnectionSettings {
  return validateSettings({ ...current, ...pickKnown(change as Record<string, unknown>) });
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
  for (const key of ["revokeTokens", "createUsers", "dryRun"] as const) {
    if (typeof s[key] !== "boolean") throw new SettingsError(`${key} must be true or false, got ${JSON.stringify(s[key])}`);
  }
  if (typeof s.identityProvider !== "string" || !PROVIDER.test(s.identityProvider)) {
    throw new SettingsError(`identityProvider must be a GitLab provider name (letters, digits, '_' or '-'), got ${JSON.stringify(s.identityProvider)}`);
  }
  return Object.freeze({ ...s });
}

function oneOf(key: string, value: unknown, choices: readonly string[]): void {
  if (!choices.includes(value as string)) throw new SettingsError(`${key} must be one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
}
