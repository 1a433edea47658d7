/** What the mapping commands share: the --expires-in-days option, and a mapping as JSON and as a sentence. */
import { accessName } from "../../provisioning/access-levels";
import { MAX_EXPIRES_IN_DAYS, type MappingRow } from "../../provisioning/group-mappings";
import type { JsonValue, OptionValues } from "../command";
import { UsageError } from "../errors";

/** --expires-in-days N as a number; undefined when not given. */
export function expiresInDaysOption(values: OptionValues): number | undefined {
  const value = values["expires-in-days"];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value) || Number(value) < 1 || Number(value) > MAX_EXPIRES_IN_DAYS) {
    throw new UsageError(`--expires-in-days must be a whole number of days from 1 to ${MAX_EXPIRES_IN_DAYS}, got ${JSON.stringify(value ?? "")}`);
  }
  return Number(value);
}

export interface MappingJson {
  id: string;
  match: string;
  matchBy: string;
  matchValue: string;
  gitlabGroup: string;
  access: string;
  expiresInDays: number | null;
  authoritative: boolean;
  origin: string;
  [key: string]: JsonValue;
}

export function mappingJson(m: MappingRow): MappingJson {
  return {
    id: m.id,
    match: matchText(m),
    matchBy: m.matchBy,
    matchValue: m.matchValue,
    gitlabGroup: m.fullPath,
    access: accessName(m.accessLevel),
    expiresInDays: m.expiresInDays,
    authoritative: m.authoritative,
    origin: m.origin,
  };
}

export function matchText(m: { matchBy: string; matchValue: string }): string {
  return m.matchBy === "displayName" ? `displayName "${m.matchValue}"` : m.matchBy === "externalId" ? `externalId "${m.matchValue}"` : `SCIM group ${m.matchValue}`;
}

export function describeMapping(m: MappingJson): string {
  const extras = [m.expiresInDays !== null ? `expiring after ${m.expiresInDays} days` : "", m.authoritative ? "authoritative" : ""].filter(Boolean);
  return `SCIM groups with ${m.match} → ${m.gitlabGroup} as ${m.access}${extras.length ? ` (${extras.join(", ")})` : ""}`;
}
