/**
 * /Groups (RFC 7644 §3.3–§3.6). Members are users of the same connection (checked by the writing
 * statement). Membership changes are stored as deltas, so concurrent PATCHes compose; a PUT (Okta's
 * full push) makes the members exactly the ones sent. Writes to an existing group follow the one
 * concurrency rule (http/version-rule.ts).
 */
import type { Request, Response, Router } from "express";
import type { ChangeAction, GroupChange } from "../../provisioning/changes";
import { groupFieldsFrom, memberIdsOf } from "../../provisioning/group-fields";
import type { GroupRecord } from "../../provisioning/group-store";
import { notFound } from "../errors";
import { requestScope } from "../http/request-scope";
import { requireResourceId } from "../http/resource-id";
import { replyList, replyResource, repliedNotModified } from "../http/resource-reply";
import { writeUnderVersionRule, type ChangePlan } from "../http/version-rule";
import { readListRequest, readSearchRequest, type ListRequest, type Projection } from "../list/list-request";
import { projectionIncludes } from "../list/projection";
import { groupCatalog } from "../schema/attribute-catalog";
import type { ScimDeps } from "../scim-deps";
import { validateResourceBody } from "../schema/validate";
import { groupListSource } from "./group-list-source";
import { groupPatchPlan } from "./group-patch";
import { groupResource } from "./group-resource";

/** Registers /Groups on the SCIM router itself: a nested router would cost a path rewrite per request. */
export function mountGroupRoutes(router: Router, { config, groups }: ScimDeps): void {
  async function list(req: Request, res: Response, request: ListRequest) {
    const scope = requestScope(req, config);
    await replyList(res, request, groupListSource(groups, scope.connectionId, scope.base), "members");
  }

  function answer(res: Response, status: 200 | 201, record: GroupRecord, base: string, projection: Projection) {
    replyResource(res, status, groupResource(record, base), record.row.version, projection, groupCatalog);
  }

  const projectionOf = (req: Request): Projection => readListRequest(req.query as Record<string, unknown>, config);

  /** PUT and PATCH: the change, under the one concurrency rule, answered with the group. */
  async function change(req: Request, res: Response, plan: (id: string, base: string) => ChangePlan<GroupRecord, GroupChange>, action: ChangeAction) {
    const scope = requestScope(req, config);
    const projection = projectionOf(req);
    const id = requireResourceId(req.params.id as string, "Group");
    const withMembers = projectionIncludes(projection, groupCatalog, "members");
    const record = await writeUnderVersionRule(req, {
      read: () => groups.find(scope.connectionId, id, { withMembers: true }),
      plan: plan(id, scope.base),
      write: (change, expectedVersion) => groups.apply(scope.write, id, change, { expectedVersion, action, withMembers }),
      unchanged: (current) => current,
    });
    if (!record) throw notFound(`Group ${id} not found`);
    answer(res, 200, record, scope.base, projection);
  }

  router.get("/Groups", (req, res) => list(req, res, readListRequest(req.query as Record<string, unknown>, config)));

  router.post("/Groups/.search", (req, res) => list(req, res, readSearchRequest(req.body, config)));

  router.post("/Groups", async (req, res) => {
    const scope = requestScope(req, config);
    const resource = validateResourceBody("Group", req.body);
    const record = await groups.create(scope.write, groupFieldsFrom(resource), memberIdsOf(resource));
    answer(res, 201, record, scope.base, projectionOf(req));
  });

  router.get("/Groups/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const projection = projectionOf(req);
    const id = requireResourceId(req.params.id, "Group");
    // Entra reads groups with excludedAttributes=members: then members are not loaded at all.
    const record = await groups.find(scope.connectionId, id, { withMembers: projectionIncludes(projection, groupCatalog, "members") });
    if (!record) throw notFound(`Group ${id} not found`);
    if (repliedNotModified(req, res, record.row.version)) return;
    answer(res, 200, record, scope.base, projection);
  });

  // Okta's full push stands on its own: the members become exactly the ones sent, whatever is stored.
  router.put("/Groups/:id", (req, res) =>
    change(req, res, () => {
      const resource = validateResourceBody("Group", req.body);
      return { fromCurrent: false, change: { fields: groupFieldsFrom(resource), members: { add: memberIdsOf(resource), remove: "others" } } };
    }, "replaced"),
  );

  router.patch("/Groups/:id", (req, res) => change(req, res, (id, base) => groupPatchPlan(req, id, base), "patched"));

  router.delete("/Groups/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const id = requireResourceId(req.params.id, "Group");
    const deleted = await writeUnderVersionRule(req, {
      read: () => groups.find(scope.connectionId, id, { withMembers: false }),
      plan: { fromCurrent: false, change: "delete" },
      write: (_change, expectedVersion) => groups.delete(scope.write, id, { expectedVersion }).then((found) => found || null),
      unchanged: () => true,
    });
    if (!deleted) throw notFound(`Group ${id} not found`);
    res.status(204).end();
  });
}
