/**
 * Pure mapping from a validated SCIM Group resource to its columns and member ids. Members are kept
 * in ScimGroupMember, not in the JSON, so the resource excludes them.
 */
import type { Prisma } from "../generated/prisma/client";

export interface GroupFields {
  displayName: string;
  /** lower(displayName), the indexed key for case-insensitive displayName filters. */
  displayNameKey: string;
  externalId: string | null;
  /** The SCIM resource without id, meta and members. */
  resource: Prisma.InputJsonObject;
}

type Json = Record<string, unknown>;

export function groupFieldsFrom(resource: Json): GroupFields {
  const { id: _id, meta: _meta, members: _members, ...kept } = resource;
  const displayName = String(resource.displayName);
  return {
    displayName,
    displayNameKey: displayName.toLowerCase(),
    externalId: typeof resource.externalId === "string" && resource.externalId !== "" ? resource.externalId : null,
    resource: kept as Prisma.InputJsonObject,
  };
}

/** Member ids (lower-cased, as ids are stored) in first-seen order, duplicates dropped. */
export function memberIdsOf(resource: Json): string[] {
  const members = Array.isArray(resource.members) ? (resource.members as Json[]) : [];
  return [...new Set(members.map((m) => String(m?.value ?? "").toLowerCase()))];
}

/** What changes between two member lists. */
export function diffMembers(before: readonly string[], after: readonly string[]): { add: string[]; remove: string[] } {
  const was = new Set(before);
  const will = new Set(after);
  return { add: after.filter((id) => !was.has(id)), remove: before.filter((id) => !will.has(id)) };
}
