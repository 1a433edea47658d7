/**
 * The answers Users and Groups share: a resource with its ETag (and Location on 201), 304 for a
 * matching If-None-Match, and a list or search result — projected per RFC 7644 §3.9 in one place.
 */
import type { Request, Response } from "express";
import { bindListFilter, listResources, type ListSource } from "../list/list-engine";
import { type ListRequest, type Projection } from "../list/list-request";
import { listResponse } from "../list/list-response";
import { projectionIncludes, projectResource } from "../list/projection";
import type { ResourceCatalog } from "../schema/attribute-catalog";
import { etagOf, ifNoneMatchHits } from "./etag";
import { sendScim } from "./send";

type Json = Record<string, unknown>;

export function replyResource(res: Response, status: 200 | 201, resource: Json, version: number, projection: Projection, catalog: ResourceCatalog): void {
  res.setHeader("ETag", etagOf(version));
  if (status === 201) res.setHeader("Location", (resource.meta as { location: string }).location);
  sendScim(res, status, projectResource(resource, projection, catalog));
}

/** RFC 7232 §3.2 on a GET: true when a 304 went out and nothing else is to be sent. */
export function repliedNotModified(req: Request, res: Response, version: number): boolean {
  if (!ifNoneMatchHits(req, version)) return false;
  res.status(304).setHeader("ETag", etagOf(version));
  res.end();
  return true;
}

/**
 * GET list and POST /.search. `relation` (members, groups) is loaded only when the projection shows it
 * (Entra reads groups with excludedAttributes=members).
 */
export async function replyList<R>(
  res: Response,
  request: ListRequest,
  source: ListSource<R>,
  relation: string,
): Promise<void> {
  const catalog = source.catalog;
  const filter = bindListFilter(request.filter, catalog);
  const result = await listResources(source, request, projectionIncludes(request, catalog, relation), filter);
  const resources = result.resources.map((r) => projectResource(r, request, catalog));
  sendScim(res, 200, listResponse(result.totalResults, request.startIndex, resources));
}

