/**
 * /Groups (RFC 7644 §3.3–§3.6). Members are users of the same connection (checked by the writing
 * statement). Membership changes are stored as deltas, so concurrent PATCHes compose; a PUT
 * (Okta's full push) becomes the delta between the stored and the sent member list.
 */
import type { Request, Response, Router } from "express";
import type { AppDeps } from "../../app";
import { diffMembers, groupFieldsFrom, memberIdsOf } from "../../provisioning/group-fields";
import { createGroup, deleteGroup, findGroup, updateGroup, type GroupRecord } from "../../provisioning/group-store";
import { notFound } from "../errors";
import { requireIfMatch } from "../http/etag";
import { requestScope } from "../http/request-scope";
import { requireResourceId } from "../http/resource-id";
import { replyList, replyResource, repliedNotModified } from "../http/resource-reply";
import { readListRequest, readSearchRequest, type ListRequest, type Projection } from "../list/list-request";
import { projectionIncludes } from "../list/projection";
import { groupCatalog } from "../schema/attribute-catalog";
import { applyPatch, validateResourceBody } from "../schema/validate";
import { groupListSource } from "./group-list-source";
import { groupResource } from "./group-resource";
import { memberDeltaOf } from "./member-delta";

/** Registers /Groups on the SCIM router itself: a nested router would cost a path rewrite per request. */
export function mountGroupRoutes(router: Router, { config, db }: AppDeps): void {
  async function list(req: Request, res: Response, request: ListRequest) {
    const scope = requestScope(req, config);
    await replyList(res, request, groupListSource(db, scope.connectionId, scope.base), "members");
  }

  function answer(res: Response, status: 200 | 201, record: GroupRecord, base: string, projection: Projection) {
    replyResource(res, status, groupResource(record, base), record.row.version, projection, groupCatalog);
  }

  const projectionOf = (req: Request): Projection => readListRequest(req.query as Record<string, unknown>, config);

  router.get("/Groups", (req, res) => list(req, res, readListRequest(req.query as Record<string, unknown>, config)));

  router.post("/Groups/.search", (req, res) => list(req, res, readSearchRequest(req.body, config)));

  router.post("/Groups", async (req, res) => {
    const scope = requestScope(req, config);
    const resource = validateResourceBody("Group", req.body);
    const record = await createGroup(db, scope.write, groupFieldsFrom(resource), memberIdsOf(resource));
    answer(res, 201, record, scope.base, projectionOf(req));
  });

  router.get("/Groups/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const projection = projectionOf(req);
    const id = requireResourceId(req.params.id, "Group");
    // Entra reads groups with excludedAttributes=members: then members are not loaded at all.
    const record = await findGroup(db, scope.connectionId, id, { withMembers: projectionIncludes(projection, groupCatalog, "members") });
    if (!record) throw notFound(`Group ${id} not found`);
    if (repliedNotModified(req, res, record.row.version)) return;
    answer(res, 200, record, scope.base, projection);
  });

  router.put("/Groups/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const projection = projectionOf(req);
    const id = requireResourceId(req.params.id, "Group");
    const resource = validateResourceBody("Group", req.body);
    const current = await findGroup(db, scope.connectionId, id, { withMembers: true });
    if (!current) throw notFound(`Group ${id} not found`);
    const expectedVersion = requireIfMatch(req, current.row.version);
    const change = diffMembers(current.members!.map((m) => m.id), memberIdsOf(resource));
    const record = await updateGroup(db, scope.write, id, groupFieldsFrom(resource), change, {
      expectedVersion,
      action: "scim.group.replaced",
      withMembers: projectionIncludes(projection, groupCatalog, "members"),
    });
    if (!record) throw notFound(`Group ${id} not found`);
    answer(res, 200, record, scope.base, projection);
  });

  router.patch("/Groups/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const projection = projectionOf(req);
    const id = requireResourceId(req.params.id, "Group");
    // The IdP's member push needs neither the stored members nor scimmy; an If-Match goes the general way.
    const delta = req.headers["if-match"] === undefined ? memberDeltaOf(id, req.body) : undefined;
    if (delta) {
      const record = await updateGroup(db, scope.write, id, undefined, delta, { action: "scim.group.patched", withMembers: projectionIncludes(projection, groupCatalog, "members") });
      if (!record) throw notFound(`Group ${id} not found`);
      answer(res, 200, record, scope.base, projection);
      return;
    }
    const current = await findGroup(db, scope.connectionId, id, { withMembers: true });
    if (!current) throw notFound(`Group ${id} not found`);
    const expectedVersion = requireIfMatch(req, current.row.version);
    const before = groupResource(current, scope.base);
    const { meta: _meta, ...patchable } = before;
    const patched = await applyPatch("Group", patchable, req.body);
    if (patched === patchable) {
      // Nothing changed (Okta re-sends the group's name with every push): no write, no reconcile.
      answer(res, 200, current, scope.base, projection);
      return;
    }
    const change = diffMembers(memberIdsOf(patchable), memberIdsOf(patched));
    const record = await updateGroup(db, scope.write, id, groupFieldsFrom(patched), change, {
      expectedVersion,
      action: "scim.group.patched",
      withMembers: projectionIncludes(projection, groupCatalog, "members"),
    });
    if (!record) throw notFound(`Group ${id} not found`);
    answer(res, 200, record, scope.base, projection);
  });

  router.delete("/Groups/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const id = requireResourceId(req.params.id, "Group");
    let expectedVersion: number | undefined;
    if (req.headers["if-match"] !== undefined) {
      const current = await findGroup(db, scope.connectionId, id, { withMembers: false });
      if (!current) throw notFound(`Group ${id} not found`);
      expectedVersion = requireIfMatch(req, current.row.version);
    }
    if (!(await deleteGroup(db.prisma, scope.write, id, { expectedVersion }))) throw notFound(`Group ${id} not found`);
    res.status(204).end();
  });
}
