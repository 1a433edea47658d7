/**
 * The one SCIM error type (RFC 7644 §3.12) and the one place that writes SCIM error bodies.
 * Anything that is not a ScimError is unexpected: the IdP gets a generic 500, the cause goes to the log.
 * Never map an unknown failure to 4xx: a false 404 makes Entra re-create a user, a false 401 makes it
 * disable the whole integration.
 */
import type { ErrorRequestHandler, Response } from "express";

export const SCIM_ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

/** scimType values defined by RFC 7644 §3.12 (Table 9). */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive";

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
    /** Extra response headers, e.g. WWW-Authenticate on 401. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "ScimError";
  }
}

export const invalidSyntax = (detail: string) => new ScimError(400, "invalidSyntax", detail);
export const invalidValue = (detail: string) => new ScimError(400, "invalidValue", detail);
export const invalidFilter = (detail: string) => new ScimError(400, "invalidFilter", detail);
export const invalidPath = (detail: string) => new ScimError(400, "invalidPath", detail);
export const noTarget = (detail: string) => new ScimError(400, "noTarget", detail);
export const mutability = (detail: string) => new ScimError(400, "mutability", detail);
export const uniqueness = (detail: string) => new ScimError(409, "uniqueness", detail);
export const notFound = (detail: string) => new ScimError(404, undefined, detail);

export function writeScimError(res: Response, error: ScimError): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res.status(error.status).type(SCIM_CONTENT_TYPE);
  const body: Record<string, unknown> = { schemas: [SCIM_ERROR_SCHEMA], status: String(error.status), detail: error.detail };
  if (error.scimType) body.scimType = error.scimType;
  res.send(JSON.stringify(body));
}

/**
 * Express's router percent-decodes path parameters (`/Users/%E0%A4%A`) and passes the URIError on with
 * status 400. Body errors are translated where the body is read (http/json-body.ts).
 */
function fromRouterError(error: unknown): ScimError | undefined {
  if (error instanceof URIError && (error as { status?: unknown }).status === 400) {
    return new ScimError(400, undefined, "The request path is not valid percent-encoding (RFC 3986 §2.1)");
  }
  return undefined;
}

export const scimErrorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const known = error instanceof ScimError ? error : fromRouterError(error);
  if (known) {
    if (known.status >= 500) req.log?.error({ err: error }, "SCIM request failed");
    writeScimError(res, known);
    return;
  }
  req.log?.error({ err: error }, "unexpected error in SCIM request");
  writeScimError(res, new ScimError(500, undefined, "Internal server error"));
};
