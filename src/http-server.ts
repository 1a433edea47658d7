/**
 * The HTTP server every listener of the bridge uses (npm start and the in-process test server alike),
 * with the limits that bound what a client without a token can hold: all headers within
 * HTTP_HEADERS_TIMEOUT_MS, the whole request within HTTP_REQUEST_TIMEOUT_MS (Node answers 408 and
 * closes the connection), idle keep-alive connections closed after HTTP_KEEP_ALIVE_TIMEOUT_MS, and at
 * most HTTP_MAX_CONNECTIONS open connections (one more is closed as it is accepted). Node's defaults
 * hold a trickling request for five minutes and accept connections without limit.
 */
import http, { type RequestListener, type Server } from "node:http";
import type { Config } from "./config";
import type { Logger } from "./observability/logger";

/** Refused connections are logged at most this often: a flood must not become a flood of log lines. */
const DROP_LOG_INTERVAL_MS = 60_000;

export function createHttpServer(listener: RequestListener, config: Config, logger: Logger): Server {
  const server = http.createServer(
    {
      headersTimeout: config.httpHeadersTimeoutMs,
      requestTimeout: config.httpRequestTimeoutMs,
      keepAliveTimeout: config.httpKeepAliveTimeoutMs,
      // Node enforces both timeouts only when it sweeps its connections (every 30 s by default):
      // sweep often enough that a timeout is kept to within a quarter of itself.
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.httpHeadersTimeoutMs / 4)),
    },
    listener,
  );
  server.maxConnections = config.httpMaxConnections;
  logRefusedConnections(server, config, logger);
  return server;
}

function logRefusedConnections(server: Server, config: Config, logger: Logger): void {
  let refused = 0;
  let lastLogged = -Infinity;
  server.on("drop", () => {
    refused++;
    const now = performance.now();
    if (now - lastLogged < DROP_LOG_INTERVAL_MS) return;
    logger.warn({ refused, maxConnections: config.httpMaxConnections }, "connection refused: HTTP_MAX_CONNECTIONS reached");
    lastLogged = now;
    refused = 0;
  });
}
