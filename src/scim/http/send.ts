/** Writes SCIM responses: every body goes out as application/scim+json (RFC 7644 §8.1). */
import type { Response } from "express";
import { SCIM_CONTENT_TYPE } from "../errors";

export function sendScim(res: Response, status: number, body: unknown): void {
  res.status(status).type(SCIM_CONTENT_TYPE).send(JSON.stringify(body));
}
