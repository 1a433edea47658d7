/** A stored group as the store answers it: the row, its members when they were loaded, and its GitLab side. */
import type { ScimGroup } from "../generated/prisma/client";
import type { GitLabGroupEntry } from "./gitlab-group-state";

export interface GroupMemberRef {
  id: string;
  userName: string;
  displayName: string | null;
}

export interface GroupRecord {
  row: ScimGroup;
  /** Undefined when members were not loaded (e.g. excludedAttributes=members). */
  members?: GroupMemberRef[];
  /** The GitLab groups the group's mappings point at (gitlabGroupsSelectSql), when the statement read them. */
  gitlabGroups?: GitLabGroupEntry[];
}

/** A row as a statement returns it: the columns, with membersJsonSql's "members" and gitlabGroupsSelectSql's "gitlabGroups" when selected. */
export type GroupRowWithMembers = ScimGroup & { members?: GroupMemberRef[]; gitlabGroups?: GitLabGroupEntry[] };

export function toGroupRecord({ members, gitlabGroups, ...row }: GroupRowWithMembers): GroupRecord {
  return { row, ...(members === undefined ? {} : { members }), ...(gitlabGroups === undefined ? {} : { gitlabGroups }) };
}
