/**
 * A connection's provisioning settings on the command line: one option per setting, named as the
 * operator types it (--revoke-tokens, --no-revoke-tokens), read into a change for
 * updateConnectionSettings, and shown back under the same names.
 */
import {
  changeSettings,
  DEPROVISION_ACTIONS,
  EXTERN_UID_SOURCES,
  GITLAB_USER_DELETION,
  SettingsError,
  UNMAPPED_GROUP_MODES,
  type ConnectionSettings,
} from "../connections/settings";
import { ACCESS_NAMES } from "../provisioning/access-levels";
import type { OptionValues } from "./command";
import { UsageError } from "./errors";

type Key = keyof ConnectionSettings;

/** Each setting's option; the order is the order they are shown in. */
export const SETTING_OPTIONS: readonly { key: Key; option: string; choices?: readonly string[]; valueName?: string; help: string }[] = [
  { key: "deprovision", option: "deprovision", choices: DEPROVISION_ACTIONS, help: "what active:false and DELETE do to the GitLab user" },
  { key: "revokeTokens", option: "revoke-tokens", help: "also revoke the user's personal access tokens and delete SSH keys" },
  { key: "createUsers", option: "create-users", help: "create a GitLab user when none can be linked" },
  { key: "identityProvider", option: "identity-provider", help: "provider name of the GitLab identity (e.g. saml)" },
  { key: "externUidFrom", option: "extern-uid-from", choices: EXTERN_UID_SOURCES, help: "SCIM attribute that feeds the identity's extern_uid" },
  { key: "deleteGitLabUsers", option: "delete-gitlab-users", choices: GITLAB_USER_DELETION, help: "whether SCIM DELETE deletes the GitLab account" },
  { key: "dryRun", option: "dry-run", help: "record the GitLab calls the reconcilers would make, without making them" },
  { key: "removeMemberships", option: "remove-memberships", help: "a leaver loses the memberships the bridge manages (default: on with deprovision none)" },
  { key: "unmappedGroups", option: "unmapped-groups", choices: UNMAPPED_GROUP_MODES, help: "SCIM groups no rule maps: ignored, or a subgroup each" },
  { key: "unmappedParent", option: "unmapped-parent", valueName: "FULL/PATH", help: "the GitLab group unmapped groups get subgroups under" },
  { key: "unmappedAccess", option: "unmapped-access", choices: ACCESS_NAMES, help: "access level in an unmapped group's subgroup" },
  { key: "massChangePercent", option: "mass-change-percent", valueName: "N", help: "hold passes removing or blocking more than N% of linked users..." },
  { key: "massChangeMinimum", option: "mass-change-minimum", valueName: "N", help: "...or more than N, whichever is larger" },
];

const BOOLEAN_KEYS = new Set<Key>(["revokeTokens", "createUsers", "dryRun", "removeMemberships"]);
export const BOOLEAN_SETTING = (key: Key): boolean => BOOLEAN_KEYS.has(key);
const NUMBER_KEYS = new Set<Key>(["massChangePercent", "massChangeMinimum"]);

export function settingsParseOptions(): Record<string, { type: "string" | "boolean" }> {
  return Object.fromEntries(SETTING_OPTIONS.map((s) => [s.option, { type: BOOLEAN_KEYS.has(s.key) ? "boolean" : "string" }]));
}

export function settingsOptionHelp(): string[] {
  return SETTING_OPTIONS.map((s) => {
    const form = BOOLEAN_KEYS.has(s.key) ? `--${s.option}|--no-${s.option}` : `--${s.option} ${s.choices ? s.choices.join("|") : s.valueName ?? "NAME"}`;
    return `${form.padEnd(46)}${s.help}`;
  });
}

/** The settings the options change; a value no connection could hold is a usage error naming its option. */
export function settingsChangeOf(values: OptionValues): Partial<ConnectionSettings> {
  const change: Record<string, unknown> = {};
  for (const s of SETTING_OPTIONS) {
    const value = values[s.option];
    if (value === undefined) continue;
    if (value === "") throw new UsageError(`--${s.option} needs a value`);
    if (NUMBER_KEYS.has(s.key)) {
      if (typeof value !== "string" || !/^\d+(\.\d+)?$/.test(value)) throw new UsageError(`--${s.option} must be a number, got ${JSON.stringify(value)}`);
      change[s.key] = Number(value);
    } else change[s.key] = value;
  }
  try {
    changeSettings({}, change as Partial<ConnectionSettings>);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    throw new UsageError(namingOptions(error.message));
  }
  return change as Partial<ConnectionSettings>;
}

/** SettingsError names settings by key (externUidFrom); the operator knows them by option. */
function namingOptions(message: string): string {
  const s = SETTING_OPTIONS.find((o) => message.startsWith(`${o.key} `));
  return s ? `--${s.option}${message.slice(s.key.length)}` : message;
}

/** "yes"/"no" for switches, the value otherwise. */
export function settingValue(settings: ConnectionSettings, key: Key): string {
  const value = settings[key];
  return typeof value === "boolean" ? (value ? "yes" : "no") : value === null ? "-" : String(value);
}
