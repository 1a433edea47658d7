/**
 * Writes SCIM responses: every body goes out as application/scim+json (RFC 7644 §8.1).
 *
 * Straight to Node's response rather than Express's `res.send`: that one hashes every body into an
 * ETag of its own and runs a freshness check on it, work a SCIM answer does not want (resources carry
 * their version as ETag, set by the caller; a list has none).
 */
import type { Response } from "express";
import { SCIM_CONTENT_TYPE } from "../errors";

export function sendScim(res: Response, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", SCIM_CONTENT_TYPE);
  res.end(json); // Node sets Content-Length for a body given whole to end()
}
