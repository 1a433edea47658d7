/**
 * Reads a SCIM request body as JSON: body-parser for the transport (size limit, content codings,
 * charset), then requireSafeJson on the result. Every way a body can be wrong becomes a SCIM error
 * here, at the boundary with body-parser, by its error type or (for a corrupt compressed body, which
 * body-parser passes on from zlib untyped) by zlib's error code. GET and HEAD carry no body in SCIM:
 * the IdP's most frequent call skips the parser.
 */
import express, { type RequestHandler } from "express";
import { invalidSyntax, ScimError } from "../errors";
import { requireSafeJson } from "./json-safety";

/** The content codings body-parser decodes (RFC 9110 §12.5.3: named in Accept-Encoding on a 415). */
const ACCEPTED_ENCODINGS = "gzip, deflate, br, identity";

interface BodyParserError {
  type?: string;
  code?: string;
  limit?: number;
  charset?: string;
  encoding?: string;
}

function isZlibError(code: string | undefined): boolean {
  // zlib's Z_DATA_ERROR/Z_BUF_ERROR (gzip, deflate) and brotli's ERR__ERROR_FORMAT_* codes.
  return code !== undefined && (code.startsWith("Z_") || code.startsWith("ERR__ERROR_"));
}

/** The SCIM answer to a body-parser failure; undefined for a failure that is not the client's. */
function bodyReadError(error: unknown): ScimError | undefined {
  const e = (error ?? {}) as BodyParserError;
  switch (e.type) {
    case "entity.too.large":
      return new ScimError(413, undefined, `Request body exceeds the limit of ${e.limit} bytes`);
    case "entity.parse.failed":
      return invalidSyntax("Request body is not valid JSON");
    case "encoding.unsupported":
      return new ScimError(415, undefined, `Content-Encoding "${e.encoding ?? ""}" is not supported; send ${ACCEPTED_ENCODINGS}`, { "Accept-Encoding": ACCEPTED_ENCODINGS });
    case "charset.unsupported":
      return new ScimError(415, undefined, `Charset "${e.charset ?? ""}" is not supported; send UTF-8`);
    case "request.size.invalid":
      return invalidSyntax("Request body length does not match Content-Length");
    case "request.aborted":
      return new ScimError(400, undefined, "Request aborted by the client");
  }
  if (isZlibError(e.code)) return invalidSyntax("Request body does not decode with its Content-Encoding");
  return undefined;
}

export function readJsonBody(maxBytes: number): RequestHandler {
  // The media type was checked before: a body without Content-Type is read as JSON too.
  const parse = express.json({ limit: maxBytes, type: () => true });
  return (req, res, next) => {
    if (req.method === "GET" || req.method === "HEAD") return next();
    parse(req, res, (error?: unknown) => {
      if (error !== undefined) return next(bodyReadError(error) ?? error);
      try {
        requireSafeJson(req.body);
      } catch (unsafe) {
        return next(unsafe);
      }
      next();
    });
  };
}
