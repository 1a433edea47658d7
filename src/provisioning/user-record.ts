/** A stored user as the store answers it: the row, and its live groups when they were loaded. */
import type { ScimUser } from "../generated/prisma/client";

export interface UserGroupRef {
  id: string;
  displayName: string;
}

export interface UserRecord {
  row: ScimUser;
  /** Live groups the user is a member of; undefined when not loaded. */
  groups?: UserGroupRef[];
}

/** A row as a statement returns it: the columns, with GROUPS_OF_U's "groups" when selected. */
export type UserRowWithGroups = ScimUser & { groups?: UserGroupRef[] };

export function toUserRecord({ groups, ...row }: UserRowWithGroups): UserRecord {
  return groups === undefined ? { row } : { row, groups };
}
