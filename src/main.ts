/**
 * Composition root: config → database → app → server, and graceful shutdown.
 * Start: `npm start`. With no DATABASE_URL the embedded PGlite under DATA_DIR is used, and this process
 * owns it: the data directory is locked and the CLI reaches the database through the control socket.
 * A DATA_DIR without a database yet is created by a short-lived child process first
 * (src/db/pglite/first-start.ts), so that PGlite's initdb memory does not stay with the server.
 */
// First: the heap policy (src/runtime/heap-policy.ts) holds from the first collection on.
import "./runtime/heap-policy";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import path from "node:path";
import { createApp } from "./app";
import { ConfigError, loadConfig, type Config } from "./config";
import { openDatabase, type Database } from "./db/database";
import { createPGliteDatabase, pgliteDatabaseExists } from "./db/pglite/first-start";
import { startPGliteMaintenance, type Maintenance } from "./db/pglite/maintenance";
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from "./runtime/data-dir-lock";
import { makePrivate, restrictNewFiles } from "./runtime/private-files";
import { startControlServer, type ControlServer } from "./cli/control-server";
import { createHttpServer } from "./http-server";
import { createLogger, type Logger } from "./observability/logger";
import { bundledGitLabBanner, startBundledGitLab, type GitLabTarget } from "./gitlab/target";
import type { GitLabClient } from "./gitlab/client";
import type { GitLabStatus } from "./gitlab/gitlab-status";
import { GitLabRefusedError } from "./gitlab/startup-check";
import { connectGitLab, type GitLabConnection } from "./runtime/gitlab-connection";
import { createGitLabCallLog } from "./reconcile/gitlab-call-log";
import { startReconciler, type Reconciler } from "./reconcile/reconciler";
import type { DriftSweepRequest } from "./reconcile/drift-sweep";
import { CliError } from "./cli/errors";

export interface RunningBridge {
  server: Server;
  url: string;
  db: Database;
  /** The GitLab this bridge talks to: GITLAB_URL, or the bundled emulator when that is unset. */
  gitlab: GitLabTarget;
  /** The one GitLab client (breaker, pacing, concurrency) and what the start-up check found. */
  gitlabClient: GitLabClient;
  gitlabStatus: GitLabStatus;
  /** The reconcile workers (issue 10). */
  reconciler: Reconciler;
  stop(): Promise<void>;
}

/** Starts the bridge; used by `npm start` and by tests that need a real server process. */
export async function startBridge(config: Config, logger: Logger): Promise<RunningBridge> {
  let lock: DataDirLock | undefined;
  let db: Database | undefined;
  let control: ControlServer | undefined;
  let gitlab: GitLabTarget | undefined;
  let gitlabConnection: GitLabConnection | undefined;
  let maintenance: Maintenance | undefined;
  let reconciler: Reconciler | undefined;
  try {
    if (!config.databaseUrl) {
      lock = await acquireDataDirLock(config.dataDir);
      makePrivate(config.dataDir);
    }
    const pgliteDir = path.join(config.dataDir, "pglite");
    const migrations: string[] = [];
    if (!config.databaseUrl && !pgliteDatabaseExists(pgliteDir)) {
      // initdb would leave this process with ~700 MB of WebAssembly memory for good: a child process
      // creates and migrates the database (under our lock) and exits, then we open it like any restart.
      logger.info({ pgliteDir }, "creating the embedded database (first start of this DATA_DIR)");
      migrations.push(...(await createPGliteDatabase(pgliteDir, { sharedBuffers: config.pgliteSharedBuffers, durability: config.pgliteDurability })).appliedMigrations);
    }
    db = await openDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir,
      pgliteSharedBuffers: config.pgliteSharedBuffers,
      pgliteDurability: config.pgliteDurability,
    });
    migrations.push(...db.appliedMigrations);
    if (migrations.length) logger.info({ migrations }, "database migrated");
    if (db.kind === "pglite") maintenance = startPGliteMaintenance(db, logger);
    // CLI commands run through the control socket wake the workers (a retry, dry run turned off).
    if (lock) {
      const driftSweep = async (request: DriftSweepRequest) => {
        if (!reconciler) throw new CliError(1, "the bridge is still starting; run `reconcile --full` again in a moment");
        return reconciler.sweeper.sweep(request);
      };
      control = await startControlServer({ dataDir: config.dataDir, db, logger, wake: () => reconciler?.workers.wake(), driftSweep });
    }
    gitlab = config.gitlabUrl ? { url: config.gitlabUrl, token: config.gitlabToken!, emulated: false, close: async () => undefined } : await startBundledGitLab(logger);
    // Refuses a rejected or non-admin token (GitLabRefusedError); an unreachable GitLab does not stop the start.
    // Every GitLab call is audited per subject through the call log (src/reconcile/gitlab-call-log.ts).
    const callLog = createGitLabCallLog();
    gitlabConnection = await connectGitLab({ target: gitlab, config, db, logger, onCall: callLog.onCall });
    // SCIM writes wake the workers (onMarked); the workers start once the app listens.
    const app = createApp({
      config,
      db,
      logger,
      onMarked: () => reconciler?.workers.wake(),
      health: { gitlab: gitlabConnection.status, reconciler: { state: () => (reconciler?.workers.running ? "running" : "stopped") } },
    });
    const server = await listen(app, config, logger);
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : config.port;
    const url = `http://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${port}`;
    reconciler = await startReconciler({ config, db, gitlab: gitlabConnection.client, callLog, logger });
    // Last: tests and scripts take this line as "started" and may signal the process right after it.
    logger.info({ url, database: db.kind }, "gitlab-scim-bridge listening");
    const opened = { db, lock, control, gitlab, gitlabConnection, maintenance, reconciler };
    return {
      server,
      url,
      db,
      gitlab,
      gitlabClient: gitlabConnection.client,
      gitlabStatus: gitlabConnection.status,
      reconciler,
      stop: () => stopBridge(server, opened, config.shutdownGraceMs, logger),
    };
  } catch (error) {
    await reconciler?.stop();
    await gitlabConnection?.close();
    await gitlab?.close();
    await control?.close();
    await maintenance?.stop();
    await db?.close();
    await lock?.release();
    throw error;
  }
}

function listen(app: ReturnType<typeof createApp>, config: Config, logger: Logger): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createHttpServer(app, config, logger);
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve(server);
    });
    trackInFlight(server);
  });
}

const inFlight = new WeakMap<Server, Set<ServerResponse>>();

/** Remembers the responses being produced, so that shutdown can tell their connections to close. */
function trackInFlight(server: Server): void {
  const responses = new Set<ServerResponse>();
  inFlight.set(server, responses);
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => {
    responses.add(res);
    res.once("close", () => responses.delete(res));
  });
}

/** Stops accepting, lets in-flight requests finish (up to the grace period), then closes the rest. */
async function stopBridge(
  server: Server,
  opened: { db: Database; lock?: DataDirLock; control?: ControlServer; gitlab: GitLabTarget; gitlabConnection: GitLabConnection; maintenance?: Maintenance; reconciler: Reconciler },
  graceMs: number,
  logger: Logger,
): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A request in flight finishes, but its keep-alive connection must not then hold shutdown open until
  // the keep-alive timeout: answer it with `Connection: close` (or, if its headers are already out,
  // drop the connection the moment it is idle).
  for (const res of inFlight.get(server) ?? []) {
    if (!res.headersSent) res.setHeader("Connection", "close");
    else res.once("finish", () => server.closeIdleConnections());
  }
  server.on("request", (_req: IncomingMessage, res: ServerResponse) => res.setHeader("Connection", "close"));
  const grace = setTimeout(() => {
    logger.warn("grace period over; closing remaining connections");
    server.closeAllConnections();
  }, graceMs);
  grace.unref();
  await closed;
  clearTimeout(grace);
  await opened.reconciler.stop(); // releases the claims in flight while the database is still open
  await opened.control?.close();
  await opened.gitlabConnection.close();
  await opened.gitlab.close();
  await opened.maintenance?.stop();
  await opened.db.close();
  await opened.lock?.release();
  logger.info("gitlab-scim-bridge stopped");
}

async function main(): Promise<void> {
  // Before anything is created: DATA_DIR's files, the control socket (src/runtime/private-files.ts).
  restrictNewFiles();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  // The handlers are in place before the start: a SIGTERM that arrives while starting (or just as the
  // "listening" line is out) stops the bridge gracefully once it has started, instead of killing it.
  let bridge: RunningBridge | undefined;
  let stopSignal: string | undefined;
  const stop = (running: RunningBridge, signal: string) => {
    logger.info({ signal }, "shutting down");
    running.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  const shutdown = (signal: string) => {
    if (stopSignal) {
      // A second signal while still starting: the operator will not wait for the start to finish.
      if (!bridge) process.exit(1);
      return;
    }
    stopSignal = signal;
    if (bridge) stop(bridge, signal);
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  try {
    bridge = await startBridge(config, logger);
  } catch (error) {
    // Another owner of DATA_DIR, or a GitLab token that cannot work, is an expected refusal: one sentence, no stack trace.
    if (error instanceof DataDirLockedError || error instanceof GitLabRefusedError) logger.fatal(`cannot start: ${error.message}`);
    else logger.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    process.exit(1);
  }
  if (stopSignal) return stop(bridge, stopSignal);
  if (bridge.gitlab.emulated) process.stderr.write(bundledGitLabBanner({ gitlab: bridge.gitlab, scimUrl: `${config.publicUrl ?? bridge.url}/scim/v2` }));
}

if (require.main === module) void main();
