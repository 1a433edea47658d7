/**
 * Value-level leniency shared by bodies and PATCH values.
 * - RFC 7643 §2.5: null, an empty array and an unassigned attribute are the same state, so a null can be
 *   dropped. Entra sends `"phoneNumbers": null`; scimmy rejects null on multi-valued attributes.
 * - Entra (legacy PATCH), OneLogin templates and Microsoft's reference suite send booleans as strings;
 *   scimmy refuses them (scimmy #86, wontfix).
 */
import { isJsonObject } from "./types";

/** A copy of `value` without null members of objects or arrays, at any depth. */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((item) => item !== null).map(withoutNulls) as T;
  if (isJsonObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) if (item !== null) copy[key] = withoutNulls(item);
    return copy as T;
  }
  return value;
}

/** "True"/"false"/… become booleans; anything else is returned as is, for validation to judge. */
export function coerceStringBoolean(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const lower = value.trim().toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  return value;
}
