/**
 * Structured JSON logs (pino). Every request gets the server's own random id, returned in the
 * X-Request-Id response header, bound to every log line of that request and recorded as the audit
 * request id: a client cannot choose it, so it cannot collide with or impersonate another request's.
 * A client's own X-Request-Id (a proxy's or the IdP's trace id) is logged beside it as
 * `clientRequestId`, cut to 128 characters of a safe alphabet.
 * Authorization headers, cookies and token-bearing query parameters are redacted: a token never reaches a log.
 */
import crypto from "node:crypto";
import type { IncomingMessage } from "node:http";
import pino, { type Logger } from "pino";
import type { Express } from "express";

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

const CLIENT_REQUEST_ID_MAX = 128;
const OUTSIDE_ID_ALPHABET = /[^A-Za-z0-9._:\/=+-]/g;

/** The client's X-Request-Id as it may appear in a log line, or undefined when it sent none. */
function clientRequestIdOf(req: IncomingMessage): string | undefined {
  const incoming = req.headers["x-request-id"];
  if (typeof incoming !== "string" || incoming === "") return undefined;
  return incoming.slice(0, CLIENT_REQUEST_ID_MAX).replace(OUTSIDE_ID_ALPHABET, "_");
}

/** Drops query strings from logged URLs: some clients put tokens there. */
function safeUrl(url: string | undefined): string | undefined {
  return url?.split("?")[0];
}

const CHILD_LOGGER = Symbol("request logger");

/**
 * One log line per request ("request completed", or "request aborted" when the client went away
 * first), at error level for 5xx answers, carrying the request id. `req.log` is that request's child
 * logger, made only when a handler logs. Written for the hot path: pino-http made a child logger and
 * serialised request objects on every request, which halved a bare endpoint's throughput.
 */
export function installRequestLogging(app: Express, logger: Logger): void {
  // On the app's request prototype, once, rather than a property defined on every request.
  Object.defineProperty(app.request, "log", {
    configurable: true,
    enumerable: false,
    get(this: IncomingMessage & { [CHILD_LOGGER]?: Logger }) {
      return (this[CHILD_LOGGER] ??= logger.child({ requestId: this.id, clientRequestId: clientRequestIdOf(this) }));
    },
  });
  app.use((req, res, next) => {
    const requestId = crypto.randomUUID();
    res.setHeader("X-Request-Id", requestId);
    req.id = requestId;
    const started = performance.now();
    // 'close' follows 'finish' on every response; a response closed unfinished was cut short.
    res.once("close", () => {
      const line = {
        requestId,
        clientRequestId: clientRequestIdOf(req),
        // originalUrl: a router mounted on a path has cut its prefix from req.url while it handles the request.
        req: { method: req.method, url: safeUrl(req.originalUrl ?? req.url), remoteAddress: req.socket.remoteAddress },
        res: { statusCode: res.statusCode },
        responseTime: Math.round(performance.now() - started),
      };
      if (res.statusCode >= 500) logger.error(line, res.writableFinished ? "request completed" : "request aborted");
      else if (!res.writableFinished) logger.warn(line, "request aborted");
      else logger.info(line, "request completed");
    });
    next();
  });
}

declare module "http" {
  interface IncomingMessage {
    /** The server's id of this request (sent as X-Request-Id), set by installRequestLogging. */
    id?: string;
    /** This request's child logger (bound to its request id), set by installRequestLogging. */
    log?: Logger;
  }
}
