/**
 * /Users (RFC 7644 §3.3–§3.6): create, read, list/search, replace, patch, delete. Each handler is
 * a short list of steps: validate everything → one store call (writes to an existing user under the
 * one concurrency rule, http/version-rule.ts) → one SCIM answer.
 */
import type { Request, Response, Router } from "express";
import type { ChangeAction, UserChange } from "../../provisioning/changes";
import { userFieldsFrom } from "../../provisioning/user-fields";
import type { UserRecord } from "../../provisioning/user-store";
import { notFound } from "../errors";
import { requestScope } from "../http/request-scope";
import { requireResourceId } from "../http/resource-id";
import { replyList, replyResource, repliedNotModified } from "../http/resource-reply";
import { writeUnderVersionRule, type ChangePlan } from "../http/version-rule";
import { readListRequest, readSearchRequest, type ListRequest, type Projection } from "../list/list-request";
import { projectionIncludes } from "../list/projection";
import { userCatalog } from "../schema/attribute-catalog";
import type { ScimDeps } from "../scim-deps";
import { validateResourceBody } from "../schema/validate";
import { userListSource } from "./user-list-source";
import { userPatchPlan } from "./user-patch";
import { userResource } from "./user-resource";

/** Registers /Users on the SCIM router itself: a nested router would cost a path rewrite per request. */
export function mountUserRoutes(router: Router, { config, users }: ScimDeps): void {
  async function list(req: Request, res: Response, request: ListRequest) {
    const scope = requestScope(req, config);
    await replyList(res, request, userListSource(users, scope.connectionId, scope.base), "groups");
  }

  function answer(res: Response, status: 200 | 201, record: UserRecord, base: string, projection: Projection) {
    replyResource(res, status, userResource(record, base), record.row.version, projection, userCatalog);
  }

  const projectionOf = (req: Request): Projection => readListRequest(req.query as Record<string, unknown>, config);

  /** PUT and PATCH: the change, under the one concurrency rule, answered with the user. */
  async function change(req: Request, res: Response, plan: (id: string, base: string) => ChangePlan<UserRecord, UserChange>, action: ChangeAction) {
    const scope = requestScope(req, config);
    const id = requireResourceId(req.params.id as string, "User");
    const record = await writeUnderVersionRule(req, {
      read: () => users.find(scope.connectionId, id, { withGroups: true }),
      plan: plan(id, scope.base),
      write: (change, expectedVersion) => users.apply(scope.write, id, change, { expectedVersion, action }),
      unchanged: (current) => current,
    });
    if (!record) throw notFound(`User ${id} not found`);
    answer(res, 200, record, scope.base, projectionOf(req));
  }

  router.get("/Users", (req, res) => list(req, res, readListRequest(req.query as Record<string, unknown>, config)));

  router.post("/Users/.search", (req, res) => list(req, res, readSearchRequest(req.body, config)));

  router.post("/Users", async (req, res) => {
    const scope = requestScope(req, config);
    const fields = userFieldsFrom(validateResourceBody("User", req.body));
    const record = await users.create(scope.write, fields);
    answer(res, 201, record, scope.base, projectionOf(req));
  });

  router.get("/Users/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const projection = projectionOf(req);
    const id = requireResourceId(req.params.id, "User");
    const record = await users.find(scope.connectionId, id, { withGroups: projectionIncludes(projection, userCatalog, "groups") });
    if (!record) throw notFound(`User ${id} not found`);
    if (repliedNotModified(req, res, record.row.version)) return;
    answer(res, 200, record, scope.base, projection);
  });

  // A full replacement stands on its own: it needs no read (but an If-Match one).
  router.put("/Users/:id", (req, res) =>
    change(req, res, () => ({ fromCurrent: false, change: { kind: "fields", fields: userFieldsFrom(validateResourceBody("User", req.body)) } }), "replaced"),
  );

  router.patch("/Users/:id", (req, res) => change(req, res, (id, base) => userPatchPlan(req, id, base), "patched"));

  router.delete("/Users/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const id = requireResourceId(req.params.id, "User");
    const deleted = await writeUnderVersionRule(req, {
      read: () => users.find(scope.connectionId, id, { withGroups: false }),
      plan: { fromCurrent: false, change: "delete" },
      write: (_change, expectedVersion) => users.delete(scope.write, id, { expectedVersion }).then((found) => found || null),
      unchanged: () => true,
    });
    if (!deleted) throw notFound(`User ${id} not found`);
    res.status(204).end();
  });
}
