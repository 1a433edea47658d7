/**
 * Pure mapping from a validated SCIM User resource to the columns that make it filterable:
 * the indexed lookup keys (userNameKey = lower(userName), displayNameKey, familyNameKey, email
 * valueKey = lower(value)) and the JSON kept as the source of truth for everything else.
 */
import type { Prisma } from "../generated/prisma/client";

export interface UserEmailFields {
  value: string;
  valueKey: string;
  type: string | null;
  primary: boolean;
}

export interface UserFields {
  userName: string;
  userNameKey: string;
  externalId: string | null;
  displayName: string | null;
  /** lower(displayName), the indexed key for case-insensitive displayName filters. */
  displayNameKey: string | null;
  givenName: string | null;
  familyName: string | null;
  /** lower(familyName), the indexed key that name.familyName filters and sorts use. */
  familyNameKey: string | null;
  active: boolean;
  /** The SCIM resource without id, meta, password and groups. */
  resource: Prisma.InputJsonObject;
  emails: UserEmailFields[];
}

type Json = Record<string, unknown>;

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);

export function userFieldsFrom(resource: Json): UserFields {
  const { id: _id, meta: _meta, password: _password, groups: _groups, ...kept } = resource;
  const name = (typeof resource.name === "object" && resource.name !== null ? resource.name : {}) as Json;
  const emails = Array.isArray(resource.emails) ? (resource.emails as Json[]) : [];
  const userName = String(resource.userName);
  const displayName = text(resource.displayName);
  const familyName = text(name.familyName);
  return {
    userName,
    userNameKey: userName.toLowerCase(),
    externalId: text(resource.externalId),
    displayName,
    displayNameKey: displayName?.toLowerCase() ?? null,
    givenName: text(name.givenName),
    familyName,
    familyNameKey: familyName?.toLowerCase() ?? null,
    // RFC 7643 §4.1.1 leaves the default to the provider; IdPs that omit `active` mean an active user.
    active: resource.active !== false,
    resource: kept as Prisma.InputJsonObject,
    emails: emails
      .filter((e) => typeof e?.value === "string" && e.value !== "")
      .map((e) => ({ value: e.value as string, valueKey: (e.value as string).toLowerCase(), type: text(e.type), primary: e.primary === true })),
  };
}
