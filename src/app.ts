/**
 * The HTTP application: one visible list of what is mounted where. Composition only; every concern
 * lives in its own module.
 */
import express, { type Application } from "express";
import type { Config } from "./config";
import type { Database } from "./db/database";
import { healthz, readyz } from "./observability/health";
import { installRequestLogging, type Logger } from "./observability/logger";
import { createScimRouter } from "./scim/router";

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export function createApp(deps: AppDeps): Application {
  const app = express();
  app.disable("x-powered-by");
  // X-Forwarded-* count only from the peers TRUST_PROXY names (by default, from none).
  app.set("trust proxy", deps.config.trustProxy);
  installRequestLogging(app, deps.logger);
  app.get("/healthz", healthz);
  app.get("/readyz", readyz(deps.db));
  app.use("/scim/v2", createScimRouter(deps));
  app.use((_req, res) => {
    res.status(404).json({ error: "not_found", message: "No such endpoint" });
  });
  return app;
}
