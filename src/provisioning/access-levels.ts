/**
 * GitLab's member access levels by the names admins use (contract §4.1). Minimal access (5) is a
 * Premium top-level-only role and Admin (60) is not a member role: neither can be granted by a rule.
 */
export const ACCESS_LEVELS = Object.freeze({ guest: 10, planner: 15, reporter: 20, developer: 30, maintainer: 40, owner: 50 } as const);

export type AccessName = keyof typeof ACCESS_LEVELS;

export const ACCESS_NAMES = Object.keys(ACCESS_LEVELS) as AccessName[];

export function isAccessName(value: unknown): value is AccessName {
  return typeof value === "string" && Object.prototype.hasOwnProperty.call(ACCESS_LEVELS, value);
}

/** The name of a level, or the number itself for one GitLab has but rules do not grant. */
export function accessName(level: number): string {
  return ACCESS_NAMES.find((name) => ACCESS_LEVELS[name] === level) ?? String(level);
}
