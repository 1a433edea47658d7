/**
 * Structured JSON logs (pino). Every request gets an id (taken from a sane incoming X-Request-Id or
 * generated), echoed in the X-Request-Id response header and bound to every log line of that request.
 * Authorization headers, cookies and token-bearing query parameters are redacted: a token never reaches a log.
 */
import crypto from "node:crypto";
import type { IncomingMessage } from "node:http";
import pino, { type Logger } from "pino";
import pinoHttp from "pino-http";

export type { Logger };

/** JSON lines to stdout, or to `destination` (tests capture lines there). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "gitlab-scim-bridge" },
    redact: {
      paths: ["req.headers.authorization", "req.headers.cookie", "req.headers[\"private-token\"]", "res.headers[\"set-cookie\"]", "token", "*.token"],
      censor: "[redacted]",
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function requestIdOf(req: IncomingMessage): string {
  const incoming = req.headers["x-request-id"];
  return typeof incoming === "string" && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/** Drops query strings from logged URLs: some clients put tokens there. */
function safeUrl(url: string | undefined): string | undefined {
  return url?.split("?")[0];
}

export function httpLogger(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId: (req, res) => {
      const id = requestIdOf(req);
      res.setHeader("X-Request-Id", id);
      return id;
    },
    customProps: (req) => ({ requestId: req.id }),
    serializers: {
      req: (req) => ({ method: req.method, url: safeUrl(req.url), remoteAddress: req.remoteAddress }),
      res: (res) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : "info"),
  });
}
