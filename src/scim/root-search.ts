/**
 * POST /.search at the root (RFC 7644 §3.4.3): Users then Groups, paged across both. Each type
 * binds the filter against its own schema, so an attribute only Groups have matches no User.
 */
import type { RequestHandler } from "express";
import { groupListSource } from "./groups/group-list-source";
import { requestScope } from "./http/request-scope";
import { sendScim } from "./http/send";
import { bindListFilter, listResources } from "./list/list-engine";
import { readSearchRequest } from "./list/list-request";
import { listResponse } from "./list/list-response";
import { projectionIncludes, projectResource } from "./list/projection";
import { groupCatalog, userCatalog } from "./schema/attribute-catalog";
import type { ScimDeps } from "./scim-deps";
import { userListSource } from "./users/user-list-source";

export function rootSearch({ config, users: userStore, groups: groupStore }: ScimDeps): RequestHandler {
  return async (req, res) => {
    const scope = requestScope(req, config);
    const request = readSearchRequest(req.body, config);
    const users = await listResources(
      userListSource(userStore, scope.connectionId, scope.base),
      request,
      projectionIncludes(request, userCatalog, "groups"),
      bindListFilter(request.filter, userCatalog),
    );
    // Groups fill the rest of the page, starting where the users ran out.
    const groupStart = Math.max(1, request.startIndex - users.totalResults);
    const groupCount = Math.max(0, request.count - users.resources.length);
    const groups = await listResources(
      groupListSource(groupStore, scope.connectionId, scope.base),
      { ...request, startIndex: groupStart, count: groupCount },
      projectionIncludes(request, groupCatalog, "members"),
      bindListFilter(request.filter, groupCatalog),
    );
    const resources = [
      ...users.resources.map((r) => projectResource(r, request, userCatalog)),
      ...groups.resources.map((r) => projectResource(r, request, groupCatalog)),
    ];
    sendScim(res, 200, listResponse(users.totalResults + groups.totalResults, request.startIndex, resources));
  };
}
