/**
 * Request media types (RFC 7644 §3.1, §8.1): bodies may be application/scim+json or
 * application/json (Okta's tests post the latter); a body without Content-Type is read as JSON
 * (some IdP proxies drop it). Anything else on a body is 415.
 */
import type { RequestHandler } from "express";
import { ScimError } from "../errors";

const ACCEPTED = new Set(["application/scim+json", "application/json"]);

function hasBody(headers: Record<string, string | string[] | undefined>): boolean {
  return headers["transfer-encoding"] !== undefined || (headers["content-length"] !== undefined && headers["content-length"] !== "0");
}

export const requireScimMediaType: RequestHandler = (req, _res, next) => {
  const type = req.headers["content-type"];
  if (type === undefined || !hasBody(req.headers)) return next();
  const mediaType = type.split(";")[0].trim().toLowerCase();
  if (ACCEPTED.has(mediaType)) return next();
  next(new ScimError(415, undefined, `Content-Type "${mediaType}" is not supported; send application/scim+json or application/json`));
};
