/**
 * The SCIM 2.0 API at /scim/v2: one visible list of steps every request goes through.
 *
 * Our own Express routers rather than scimmy-routers: that package is a process-wide singleton
 * (handlers and base URL are global, awkward with several tenants), turns unknown handler errors
 * into 404s, evaluates filters in memory after loading everything (no indexed lookups), and has no
 * ETags. scimmy is used for what it does well: schema definitions and coercion, and schema
 * descriptions for discovery (PATCH has our own applier, src/scim/schema/patch-apply.ts: scimmy's
 * compares case-sensitively and replaces complex attributes wholesale).
 */
import { Router, type ErrorRequestHandler, type RequestHandler } from "express";
import { scimAuthenticate } from "./auth";
import { discoveryRoutes } from "./discovery/discovery-routes";
import { notFound, scimErrorHandler } from "./errors";
import { mountGroupRoutes } from "./groups/group-routes";
import { readJsonBody } from "./http/json-body";
import { requireScimMediaType } from "./http/media-type";
import { translateProvisioningError } from "./provisioning-errors";
import { rootSearch } from "./root-search";
import type { ScimDeps } from "./scim-deps";
import { mountUserRoutes } from "./users/user-routes";

const unknownEndpoint: RequestHandler = (req, _res, next) => next(notFound(`No SCIM endpoint ${req.method} ${req.path}`));

/** Store errors are translated here, at the boundary, so handlers stay a plain list of steps. */
const translateStoreErrors: ErrorRequestHandler = (error, _req, _res, next) => next(translateProvisioningError(error) ?? error);

export function createScimRouter(deps: ScimDeps): Router {
  const router = Router();
  // Who is asking comes first: nothing of an unauthenticated request's body is read or parsed.
  router.use(scimAuthenticate(deps.tokens));
  router.use(requireScimMediaType);
  router.use(readJsonBody(deps.config.scimMaxBodyBytes));
  mountUserRoutes(router, deps);
  mountGroupRoutes(router, deps);
  // After the resources: IdP traffic is /Users and /Groups, and need not pass these routes first.
  router.use(discoveryRoutes(deps));
  router.post("/.search", rootSearch(deps));
  router.use(unknownEndpoint);
  router.use(translateStoreErrors);
  router.use(scimErrorHandler);
  return router;
}
