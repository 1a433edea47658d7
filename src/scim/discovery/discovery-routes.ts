/** /ServiceProviderConfig, /Schemas, /ResourceTypes (RFC 7644 §4). Authenticated like everything else. */
import { Router } from "express";
import { notFound } from "../errors";
import { scimBaseOf } from "../http/scim-base";
import { sendScim } from "../http/send";
import { listResponse } from "../list/list-response";
import type { ScimDeps } from "../scim-deps";
import { resourceTypeDocuments, schemaDocuments, serviceProviderConfig } from "./discovery-documents";

export function discoveryRoutes({ config }: Pick<ScimDeps, "config">): Router {
  const router = Router();
  router.get("/ServiceProviderConfig", (req, res) => sendScim(res, 200, serviceProviderConfig(config, scimBaseOf(req, config))));
  router.get("/Schemas", (req, res) => {
    const documents = schemaDocuments(scimBaseOf(req, config));
    sendScim(res, 200, listResponse(documents.length, 1, documents));
  });
  router.get("/Schemas/:id", (req, res) => {
    const found = schemaDocuments(scimBaseOf(req, config)).find((d) => String(d.id).toLowerCase() === req.params.id.toLowerCase());
    if (!found) throw notFound(`Schema ${req.params.id} not found`);
    sendScim(res, 200, found);
  });
  router.get("/ResourceTypes", (req, res) => {
    const documents = resourceTypeDocuments(scimBaseOf(req, config));
    sendScim(res, 200, listResponse(documents.length, 1, documents));
  });
  router.get("/ResourceTypes/:id", (req, res) => {
    const found = resourceTypeDocuments(scimBaseOf(req, config)).find((d) => String(d.id).toLowerCase() === req.params.id.toLowerCase());
    if (!found) throw notFound(`ResourceType ${req.params.id} not found`);
    sendScim(res, 200, found);
  });
  return router;
}
