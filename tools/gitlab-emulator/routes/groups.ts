/**
 * Groups API (contract §3): list with search / all_available / top_level_only, get by id or URL-encoded
 * full path, create (parent_id; a duplicate path is a 400 "Failed to save group …", not a 409), subgroups
 * and descendant groups.
 */
import type { Context, Reply, RouteDef } from "../http/router";
import { readParams } from "../http/params";
import { paginate } from "../http/pagination";
import { ApiError, forbidden, notFound } from "../http/errors";
import { requireCaller } from "../auth";
import { group as groupEntity, groupDetail } from "../entities";
import { canSeeGroup, effectiveAccess, MAINTAINER, OWNER, requireVisibleGroup } from "./lookups";
import type { GroupRecord, Visibility } from "../state/types";

const listSpec = {
  search: { type: "string" },
  all_available: { type: "boolean" },
  top_level_only: { type: "boolean" },
  owned: { type: "boolean" },
  min_access_level: { type: "integer", values: [10, 15, 20, 25, 30, 40, 50] },
  skip_groups: { type: "integerList" },
  visibility: { type: "string", values: ["private", "internal", "public"] },
  order_by: { type: "string", values: ["name", "path", "id", "similarity"] },
  sort: { type: "string", values: ["asc", "desc"] },
} as const;

function listGroupsFrom(ctx: Context, source: GroupRecord[], scopedToMembership: boolean): Reply {
  const p = readParams(ctx.input, listSpec);
  const caller = ctx.caller;
  const admin = caller?.isAdmin ?? false;
  // contract §3: all_available defaults to false for users and true for admins.
  const allAvailable = p.all_available ?? admin;
  const query = p.search?.toLowerCase();
  let rows = source.filter((g) => {
    if (!canSeeGroup(ctx.store, g, caller)) return false;
    if (scopedToMembership && caller && !admin && !allAvailable && effectiveAccess(ctx.store, g, caller.user.id) === 0) return false;
    if (scopedToMembership && !caller && g.visibility !== "public") return false;
    if (p.top_level_only && g.parentId !== null) return false;
    if (query !== undefined && !g.name.toLowerCase().includes(query) && !g.path.toLowerCase().includes(query)) return false;
    if (p.visibility && g.visibility !== p.visibility) return false;
    if (p.skip_groups?.includes(g.id)) return false;
    if (p.owned && (!caller || ctx.store.findMember(g.id, caller.user.id)?.accessLevel !== OWNER)) return false;
    if (p.min_access_level !== undefined && (!caller || effectiveAccess(ctx.store, g, caller.user.id) < p.min_access_level)) return false;
    return true;
  });
  const orderBy = p.order_by === "similarity" && query === undefined ? "name" : p.order_by ?? "name";
  const dir = (p.sort ?? "asc") === "asc" ? 1 : -1;
  const key = (g: GroupRecord): string | number => (orderBy === "id" ? g.id : orderBy === "path" ? g.path.toLowerCase() : g.name.toLowerCase());
  rows = rows.sort((a, b) => (key(a) < key(b) ? -dir : key(a) > key(b) ? dir : a.id - b.id));
  return paginate(ctx, rows, (g) => groupEntity(g, ctx.baseUrl));
}

const listGroups = (ctx: Context) => listGroupsFrom(ctx, [...ctx.store.groupsById.values()], true);

function getGroup(ctx: Context): Reply {
  return { status: 200, body: groupDetail(requireVisibleGroup(ctx), ctx.baseUrl) };
}

function listSubgroups(ctx: Context): Reply {
  const parent = requireVisibleGroup(ctx);
  return listGroupsFrom(ctx, ctx.store.childrenOf(parent.id), false);
}

function listDescendants(ctx: Context): Reply {
  const parent = requireVisibleGroup(ctx);
  return listGroupsFrom(ctx, ctx.store.descendantsOf(parent.id), false);
}

/** Gitlab::PathRegex for namespace paths, in outline. */
const GROUP_PATH = /^[a-zA-Z0-9_.][a-zA-Z0-9_\-.]*$/;

function failedToSave(errors: Record<string, string[]>): ApiError {
  // contract §3 / §9.8: the message embeds a Ruby hash dump of the errors (pre-3.4 inspect format).
  const dump = Object.entries(errors).map(([k, msgs]) => `:${k}=>[${msgs.map((m) => JSON.stringify(m)).join(", ")}]`).join(", ");
  return new ApiError(400, { message: `Failed to save group {${dump}}` });
}

function createGroup(ctx: Context): Reply {
  const caller = requireCaller(ctx.caller);
  const p = readParams(ctx.input, {
    name: { type: "string", required: true },
    path: { type: "string", required: true },
    parent_id: { type: "integer" },
    visibility: { type: "string", values: ["private", "internal", "public"] },
    description: { type: "string" },
  });
  let parent: GroupRecord | undefined;
  if (p.parent_id !== undefined) {
    parent = ctx.store.findGroup(p.parent_id);
    if (!parent || !canSeeGroup(ctx.store, parent, caller)) throw notFound("Group");
    // subgroup_creation_level defaults to maintainer.
    if (!caller.isAdmin && effectiveAccess(ctx.store, parent, caller.user.id) < MAINTAINER) throw forbidden();
  } else if (!caller.isAdmin && !caller.user.canCreateGroup) {
    throw forbidden();
  }
  const fullPath = parent ? `${parent.fullPath}/${p.path}` : p.path!;
  const errors: Record<string, string[]> = {};
  if (!GROUP_PATH.test(p.path!) || /(\.|\.git|\.atom)$/i.test(p.path!)) {
    errors.path = ["can contain only letters, digits, '_', '-' and '.'. Cannot start with '-' or end in '.', '.git' or '.atom'."];
  } else if (ctx.store.findGroupByFullPath(fullPath) || (!parent && ctx.store.findUserByUsername(p.path!))) {
    // Top-level groups share the namespace path space with users' personal namespaces.
    errors.path = ["has already been taken"];
  }
  if (Object.keys(errors).length) throw failedToSave(errors);

  const now = ctx.clock.now().toISOString();
  const group: GroupRecord = {
    id: ctx.store.allocateNamespaceId(),
    name: p.name!,
    path: p.path!,
    fullPath,
    fullName: parent ? `${parent.fullName} / ${p.name}` : p.name!,
    parentId: parent ? parent.id : null,
    description: p.description ?? "",
    visibility: (p.visibility as Visibility | undefined) ?? "private",
    createdAt: now,
  };
  ctx.store.insertGroup(group);
  // Groups::CreateService makes the creator an Owner of the new group.
  ctx.store.upsertMember({ userId: caller.user.id, groupId: group.id, accessLevel: OWNER, expiresAt: null, createdAt: now, updatedAt: now, createdById: caller.user.id });
  return { status: 201, body: groupEntity(group, ctx.baseUrl) };
}

export const groupRoutes: RouteDef[] = [
  { method: "GET", pattern: "/api/v4/groups", access: "public", scope: "read_api", handler: listGroups },
  { method: "POST", pattern: "/api/v4/groups", access: "user", scope: "api", handler: createGroup },
  { method: "GET", pattern: "/api/v4/groups/{id}", access: "public", scope: "read_api", handler: getGroup },
  { method: "GET", pattern: "/api/v4/groups/{id}/subgroups", access: "public", scope: "read_api", handler: listSubgroups },
  { method: "GET", pattern: "/api/v4/groups/{id}/descendant_groups", access: "public", scope: "read_api", handler: listDescendants },
];
