/**
 * Look-ups shared by the route modules, named by contract: find… may return undefined, require… throws
 * GitLab's error for a miss.
 */
import type { Context } from "../http/router";
import { notFound } from "../http/errors";
import type { Store } from "../state/store";
import type { GroupRecord, UserRecord } from "../state/types";
import type { Caller } from "../auth";

export function requireUser(store: Store, id: string | number): UserRecord {
  const user = store.findUser(Number(id));
  if (!user) throw notFound("User");
  return user;
}

/** contract §3: a numeric-looking id is an id; anything else a (URL-decoded) full path. */
export function findGroupByParam(store: Store, param: string): GroupRecord | undefined {
  return /^\d+$/.test(param) ? store.findGroup(Number(param)) : store.findGroupByFullPath(param);
}

/** The caller's highest access level in the group, direct or through an ancestor (0 if none). */
export function effectiveAccess(store: Store, group: GroupRecord, userId: number): number {
  let level = store.findMember(group.id, userId)?.accessLevel ?? 0;
  for (const ancestor of store.ancestorsOf(group)) level = Math.max(level, store.findMember(ancestor.id, userId)?.accessLevel ?? 0);
  return level;
}

/** Whether the caller may see the group: public to all, internal to users, private to members. */
export function canSeeGroup(store: Store, group: GroupRecord, caller: Caller | null): boolean {
  if (group.visibility === "public") return true;
  if (!caller) return false;
  if (caller.isAdmin || group.visibility === "internal") return true;
  if (effectiveAccess(store, group, caller.user.id) > 0) return true;
  // Members of a subgroup can see its ancestors (GitLab shows the path leading to their group).
  return store.descendantsOf(group.id).some((d) => store.findMember(d.id, caller.user.id));
}

/** contract §3: 404 "Group Not Found" also when the caller cannot see the group. */
export function requireVisibleGroup(ctx: Context, param = ctx.pathParams.id): GroupRecord {
  const group = findGroupByParam(ctx.store, param);
  if (!group || !canSeeGroup(ctx.store, group, ctx.caller)) throw notFound("Group");
  return group;
}

/** contract §4.1 role names, used in GitLab's inherited-membership validation message. */
export const ROLE_NAMES: Record<number, string> = {
  0: "No access",
  5: "Minimal Access",
  10: "Guest",
  15: "Planner",
  20: "Reporter",
  30: "Developer",
  40: "Maintainer",
  50: "Owner",
};

export const OWNER = 50;
export const MAINTAINER = 40;
