/**
 * Instance settings the emulated GitLab reads at request time. They can be given at start, in a seed, or
 * changed through PUT /-/emulator/settings. validateSettings names the exact key that is wrong.
 */

export interface ThrottleSettings {
  /** contract §6: the authenticated API throttle is disabled by default on self-managed. */
  enabled: boolean;
  /** contract §6: default 7200 requests per 3600 s per user when enabled. */
  requests: number;
  periodSeconds: number;
}

export interface Settings {
  /** contract §1.4: deactivate_dormant_users_period, default and minimum 90 days. */
  deactivateDormantUsersPeriodDays: number;
  /** contract §0.3: with Admin Mode on, an admin token acts as admin only with the admin_mode scope. */
  adminMode: boolean;
  throttle: ThrottleSettings;
  /**
   * contract §6: DELETE /groups/:id/members/:user_id per group per user per minute; 0 = off. On by
   * default at GitLab's own default of 60 (issue 11: the members_delete limit is on, as in GitLab).
   */
  membersDeleteLimitPerMinute: number;
  /** Test mode of /oauth/authorize: sign this seeded user in without showing the sign-in page. */
  oauthAutoApproveUsername: string | null;
  /**
   * contract §1.5: DELETE /users/:id answers 204 and a background job removes the record later. The job
   * runs after this many milliseconds (0 = on the next turn of the event loop).
   */
  userDeletionDelayMs: number;
  version: string;
  revision: string;
}

export const defaultSettings = (): Settings => ({
  deactivateDormantUsersPeriodDays: 90,
  adminMode: false,
  throttle: { enabled: false, requests: 7200, periodSeconds: 3600 },
  membersDeleteLimitPerMinute: 60,
  oauthAutoApproveUsername: null,
  userDeletionDelayMs: 0,
  version: "18.2.0-ee",
  revision: "emulator",
});

export type SettingsPatch = Partial<Omit<Settings, "throttle">> & { throttle?: Partial<ThrottleSettings> };

/** Applies a patch onto current settings, or throws an Error whose message names the bad key. */
export function mergeSettings(current: Settings, patch: SettingsPatch): Settings {
  const next: Settings = { ...current, ...patch, throttle: { ...current.throttle, ...(patch.throttle ?? {}) } };
  const integer = (key: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) throw new Error(`settings.${key} must be an integer ≥ ${min}, got ${JSON.stringify(value)}`);
  };
  integer("deactivateDormantUsersPeriodDays", next.deactivateDormantUsersPeriodDays, 90);
  integer("throttle.requests", next.throttle.requests, 1);
  integer("throttle.periodSeconds", next.throttle.periodSeconds, 1);
  integer("membersDeleteLimitPerMinute", next.membersDeleteLimitPerMinute, 0);
  integer("userDeletionDelayMs", next.userDeletionDelayMs, 0);
  for (const key of ["adminMode"] as const) {
    if (typeof next[key] !== "boolean") throw new Error(`settings.${key} must be a boolean`);
  }
  if (typeof next.throttle.enabled !== "boolean") throw new Error("settings.throttle.enabled must be a boolean");
  if (next.oauthAutoApproveUsername !== null && typeof next.oauthAutoApproveUsername !== "string") {
    throw new Error("settings.oauthAutoApproveUsername must be a username or null");
  }
  for (const key of Object.keys(patch)) {
    if (!(key in current)) throw new Error(`settings.${key} is not a known setting`);
  }
  return next;
}
