/** A stored user as the store answers it: the row, its live groups when they were loaded, and its GitLab state. */
import type { ScimUser } from "../generated/prisma/client";
import { toGitLabUserState, type GitLabUserState, type GitLabUserStateJson } from "./gitlab-user-state";

export interface UserGroupRef {
  id: string;
  displayName: string;
}

export interface UserRecord {
  row: ScimUser;
  /** Live groups the user is a member of; undefined when not loaded. */
  groups?: UserGroupRef[];
  /** What the SCIM extension shows of the user's GitLab side; undefined when not loaded. */
  gitlab?: GitLabUserState;
}

/** A row as a statement returns it: the columns, with GROUPS_OF_U's "groups" and gitlabStateOfUSql's "gitlab" when selected. */
export type UserStatementRow = ScimUser & { groups?: UserGroupRef[]; gitlab?: GitLabUserStateJson };

export function toUserRecord({ groups, gitlab, ...row }: UserStatementRow): UserRecord {
  const record: UserRecord = { row };
  if (groups !== undefined) record.groups = groups;
  if (gitlab !== undefined) record.gitlab = toGitLabUserState(gitlab);
  return record;
}
