/**
 * ETags (RFC 7644 §3.14): meta.version W/"<n>" from the row's version counter. Preconditions are
 * compared weakly (the W/ prefix is ignored), `*` matches any existing resource.
 */
import type { Request } from "express";
import { ScimError } from "../errors";

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

function tagsIn(header: string): string[] {
  return header
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => t.replace(/^W\//i, ""));
}

function matches(header: string, version: number): boolean {
  const current = etagOf(version).replace(/^W\//, "");
  return tagsIn(header).some((t) => t === "*" || t === current);
}

/** The version an If-Match header pins, for a conditional write; undefined without If-Match. */
export function requireIfMatch(req: Request, currentVersion: number): number | undefined {
  const header = req.headers["if-match"];
  if (header === undefined) return undefined;
  if (!matches(header, currentVersion)) {
    throw new ScimError(412, undefined, `If-Match ${header} does not match the current version ${etagOf(currentVersion)}; read the resource again and retry`);
  }
  return currentVersion;
}

/** True when a GET may be answered 304 Not Modified. */
export function ifNoneMatchHits(req: Request, version: number): boolean {
  const header = req.headers["if-none-match"];
  return header !== undefined && matches(header, version);
}
