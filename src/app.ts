/**
 * The HTTP application: one visible list of what is mounted where. Composition only; every concern
 * lives in its own module.
 */
import express, { type Application } from "express";
import type { Config } from "./config";
import type { Database } from "./db/database";
import { healthRouter } from "./observability/health";
import { httpLogger, type Logger } from "./observability/logger";
import { createScimRouter } from "./scim/router";

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
}

export function createApp(deps: AppDeps): Application {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  app.use(httpLogger(deps.logger));
  app.use(healthRouter(deps.db));
  app.use("/scim/v2", createScimRouter(deps));
  app.use((_req, res) => {
    res.status(404).json({ error: "not_found", message: "No such endpoint" });
  });
  return app;
}
