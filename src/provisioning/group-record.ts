/** A stored group as the store answers it: the row, and its members when they were loaded. */
import type { ScimGroup } from "../generated/prisma/client";

export interface GroupMemberRef {
  id: string;
  userName: string;
  displayName: string | null;
}

export interface GroupRecord {
  row: ScimGroup;
  /** Undefined when members were not loaded (e.g. excludedAttributes=members). */
  members?: GroupMemberRef[];
}

/** A row as a statement returns it: the columns, with membersJsonSql's "members" when selected. */
export type GroupRowWithMembers = ScimGroup & { members?: GroupMemberRef[] };

export function toGroupRecord({ members, ...row }: GroupRowWithMembers): GroupRecord {
  return members === undefined ? { row } : { row, members };
}
