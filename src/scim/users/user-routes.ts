/**
 * /Users (RFC 7644 §3.3–§3.6): create, read, list/search, replace, patch, delete. Each handler is
 * a short list of steps: validate everything → one store call → one SCIM answer.
 */
import type { Request, Response, Router } from "express";
import type { AppDeps } from "../../app";
import { sameEmailRows, userFieldsFrom } from "../../provisioning/user-fields";
import { createUser, deleteUser, findUser, replaceUser, setUserActive, type UserRecord } from "../../provisioning/user-store";
import { ProvisioningError } from "../../provisioning/provisioning-error";
import { notFound } from "../errors";
import { requireIfMatch } from "../http/etag";
import { requestScope } from "../http/request-scope";
import { requireResourceId } from "../http/resource-id";
import { replyList, replyResource, repliedNotModified } from "../http/resource-reply";
import { readListRequest, readSearchRequest, type ListRequest, type Projection } from "../list/list-request";
import { projectionIncludes } from "../list/projection";
import { userCatalog } from "../schema/attribute-catalog";
import { applyPatch, validateResourceBody } from "../schema/validate";
import { activeChangeOf } from "./active-change";
import { userListSource } from "./user-list-source";
import { userResource } from "./user-resource";

/** Read-modify-write PATCHes retry this often when another write slips in between. */
const PATCH_ATTEMPTS = 3;

/** Registers /Users on the SCIM router itself: a nested router would cost a path rewrite per request. */
export function mountUserRoutes(router: Router, { config, db }: AppDeps): void {
  async function list(req: Request, res: Response, request: ListRequest) {
    const scope = requestScope(req, config);
    await replyList(res, request, userListSource(db, scope.connectionId, scope.base), "groups");
  }

  function answer(res: Response, status: 200 | 201, record: UserRecord, base: string, projection: Projection) {
    replyResource(res, status, userResource(record, base), record.row.version, projection, userCatalog);
  }

  const projectionOf = (req: Request): Projection => readListRequest(req.query as Record<string, unknown>, config);

  router.get("/Users", (req, res) => list(req, res, readListRequest(req.query as Record<string, unknown>, config)));

  router.post("/Users/.search", (req, res) => list(req, res, readSearchRequest(req.body, config)));

  router.post("/Users", async (req, res) => {
    const scope = requestScope(req, config);
    const fields = userFieldsFrom(validateResourceBody("User", req.body));
    const record = await createUser(db, scope.write, fields);
    answer(res, 201, record, scope.base, projectionOf(req));
  });

  router.get("/Users/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const projection = projectionOf(req);
    const id = requireResourceId(req.params.id, "User");
    const record = await findUser(db, scope.connectionId, id, { withGroups: projectionIncludes(projection, userCatalog, "groups") });
    if (!record) throw notFound(`User ${id} not found`);
    if (repliedNotModified(req, res, record.row.version)) return;
    answer(res, 200, record, scope.base, projection);
  });

  router.put("/Users/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const id = requireResourceId(req.params.id, "User");
    const fields = userFieldsFrom(validateResourceBody("User", req.body));
    const current = await findUser(db, scope.connectionId, id, { withGroups: false });
    if (!current) throw notFound(`User ${id} not found`);
    const expectedVersion = requireIfMatch(req, current.row.version);
    const record = await replaceUser(db, scope.write, id, fields, { expectedVersion, action: "scim.user.replaced" });
    if (!record) throw notFound(`User ${id} not found`);
    answer(res, 200, record, scope.base, projectionOf(req));
  });

  router.patch("/Users/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const id = requireResourceId(req.params.id, "User");
    // Deactivation needs neither the stored user nor scimmy; an If-Match goes the general way.
    const active = req.headers["if-match"] === undefined ? activeChangeOf(id, req.body) : undefined;
    if (active !== undefined) {
      const record = await setUserActive(db, scope.write, id, active);
      if (!record) throw notFound(`User ${id} not found`);
      answer(res, 200, record, scope.base, projectionOf(req));
      return;
    }
    for (let attempt = 1; ; attempt++) {
      const current = await findUser(db, scope.connectionId, id, { withGroups: false });
      if (!current) throw notFound(`User ${id} not found`);
      const pinned = requireIfMatch(req, current.row.version);
      const before = userResource(current, scope.base);
      const { meta: _meta, ...patchable } = before;
      const patched = await applyPatch("User", patchable, req.body);
      const fields = patched === patchable ? undefined : userFieldsFrom(patched);
      try {
        const record = !fields
          ? await findUser(db, scope.connectionId, id, { withGroups: true })
          : await replaceUser(db, scope.write, id, fields, {
              expectedVersion: current.row.version,
              action: "scim.user.patched",
              // Compared as stored rows: scimmy re-serialises untouched emails with other key order.
              emailsUnchanged: sameEmailRows(userFieldsFrom(patchable).emails, fields.emails),
            });
        if (!record) throw notFound(`User ${id} not found`);
        answer(res, 200, record, scope.base, projectionOf(req));
        return;
      } catch (error) {
        // Someone else wrote between our read and our write: re-apply on the fresh state, unless the client pinned a version.
        const lostRace = error instanceof ProvisioningError && error.reason === "versionMismatch";
        if (!lostRace || pinned !== undefined || attempt >= PATCH_ATTEMPTS) throw error;
      }
    }
  });

  router.delete("/Users/:id", async (req, res) => {
    const scope = requestScope(req, config);
    const id = requireResourceId(req.params.id, "User");
    let expectedVersion: number | undefined;
    if (req.headers["if-match"] !== undefined) {
      const current = await findUser(db, scope.connectionId, id, { withGroups: false });
      if (!current) throw notFound(`User ${id} not found`);
      expectedVersion = requireIfMatch(req, current.row.version);
    }
    if (!(await deleteUser(db.prisma, scope.write, id, { expectedVersion }))) throw notFound(`User ${id} not found`);
    res.status(204).end();
  });
}
