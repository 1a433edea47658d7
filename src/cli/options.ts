/** Reading parsed option values with messages that name the option. */
import { UsageError } from "./errors";
import type { OptionValues } from "./command";

export function requireString(values: OptionValues, name: string): string {
  const value = values[name];
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} is required`);
  return value;
}

export function optionalString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} needs a value`);
  return value;
}

export function requireChoice<T extends string>(values: OptionValues, name: string, choices: readonly T[]): T {
  const value = requireString(values, name);
  if (!(choices as readonly string[]).includes(value)) throw new UsageError(`--${name} must be one of ${choices.join(", ")}, got "${value}"`);
  return value as T;
}
