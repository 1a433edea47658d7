/**
 * The HTTP application: one visible list of what is mounted where. Composition only; every concern
 * lives in its own module.
 */
import express, { type Application } from "express";
import type { Config } from "./config";
import { tokenVerifier } from "./connections/token-verifier";
import type { Database } from "./db/database";
import { healthz, readyz, type HealthSources } from "./observability/health";
import { installRequestLogging, type Logger } from "./observability/logger";
import { groupStore } from "./provisioning/group-store";
import { notifyingStores } from "./provisioning/notifying-stores";
import { userStore } from "./provisioning/user-store";
import { createScimRouter } from "./scim/router";
import type { ScimDeps } from "./scim/scim-deps";

export interface AppDeps {
  config: Config;
  db: Database;
  logger: Logger;
  /** Called after every committed SCIM write (each marks subjects): wakes the reconcile workers. */
  onMarked?: () => void;
  /** Replaces the stores built from `db` (tests hold requests at gates around the real ones). */
  wrapStores?: (stores: Pick<ScimDeps, "users" | "groups">) => Pick<ScimDeps, "users" | "groups">;
  /** What /readyz reports beside the database: GitLab's status, the reconcilers. */
  health?: HealthSources;
}

/** The SCIM surface's collaborators, built from the database: it never sees the database itself. */
function scimDeps({ config, db, wrapStores, onMarked }: AppDeps): ScimDeps {
  const plain = { users: userStore(db), groups: groupStore(db) };
  const stores = onMarked ? notifyingStores(plain, onMarked) : plain;
  return { config, ...(wrapStores ? wrapStores(stores) : stores), tokens: tokenVerifier(db) };
}

export function createApp(deps: AppDeps): Application {
  const app = express();
  app.disable("x-powered-by");
  // X-Forwarded-* count only from the peers TRUST_PROXY names (by default, from none).
  app.set("trust proxy", deps.config.trustProxy);
  installRequestLogging(app, deps.logger);
  app.get("/healthz", healthz);
  app.get("/readyz", readyz(deps.db, deps.health));
  app.use("/scim/v2", createScimRouter(scimDeps(deps)));
  app.use((_req, res) => {
    res.status(404).json({ error: "not_found", message: "No such endpoint" });
  });
  return app;
}
