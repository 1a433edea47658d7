/**
 * Runs a command where the database is, so only one process ever opens embedded PGlite:
 * - DATABASE_URL set: PostgreSQL serves many processes; open it here.
 * - a live server holds DATA_DIR: send the command through its control socket.
 * - nobody holds it: take the DATA_DIR lock ourselves (a server starting meanwhile refuses with a
 *   clear message), open the database, run, close, release.
 * While another CLI command holds the lock, or a server is still starting (lock held, socket not yet
 * listening), we wait for a bounded time, since either situation clears within seconds.
 */
import path from "node:path";
import type { Config } from "../config";
import { acquireDataDirLock, DataDirLockedError, describeHolder } from "../runtime/data-dir-lock";
import { makePrivate } from "../runtime/private-files";
import type { Database, DatabaseOptions } from "../db/database";
import type { AnyCommand, CommandContext, JsonValue, OptionValues } from "./command";
import { sendControlCommand, ControlUnreachableError } from "./control-client";
import { controlSocketPath } from "./control-socket";
import { CliError } from "./errors";

const WAIT_FOR_OWNER_MS = 60_000;
const RETRY_MS = 50;

export async function executeCommand(command: AnyCommand, values: OptionValues, config: Config): Promise<JsonValue> {
  if (config.databaseUrl) return runWithDatabase(command, values, { databaseUrl: config.databaseUrl }, describeUrl(config.databaseUrl), config);
  const deadline = Date.now() + WAIT_FOR_OWNER_MS;
  for (;;) {
    let lock;
    try {
      lock = await acquireDataDirLock(config.dataDir, { role: "cli" });
    } catch (error) {
      if (!(error instanceof DataDirLockedError)) throw error;
      if (error.holder.role === "server") {
        const socketPath = controlSocketPath(config.dataDir);
        try {
          return await sendControlCommand(socketPath, command.name, values);
        } catch (sendError) {
          if (!(sendError instanceof ControlUnreachableError)) throw sendError;
          if (Date.now() > deadline) {
            throw new CliError(1, `${describeHolder(error.holder)} owns DATA_DIR ${error.dataDir}, but its control socket ${socketPath} does not answer; is that server healthy?`);
          }
        }
      } else if (Date.now() > deadline) {
        throw new CliError(1, `${error.message} Waited ${WAIT_FOR_OWNER_MS / 1000} s for it to finish.`);
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      continue;
    }
    try {
      makePrivate(config.dataDir);
      const pgliteDir = path.join(config.dataDir, "pglite");
      const options = { pgliteDir, pgliteSharedBuffers: config.pgliteSharedBuffers, pgliteDurability: config.pgliteDurability };
      return await runWithDatabase(command, values, options, `embedded database ${pgliteDir}`, config);
    } finally {
      await lock.release();
    }
  }
}

async function runWithDatabase(command: AnyCommand, values: OptionValues, options: DatabaseOptions, where: string, config: Config): Promise<JsonValue> {
  const args = command.parse(values);
  // Loaded only here: a command sent to the server never needs the database drivers.
  const { openDatabase } = await import("../db/database");
  let db: Database;
  try {
    db = await openDatabase(options);
  } catch (error) {
    throw new CliError(1, `cannot open the ${where}: ${(error as Error).message}`);
  }
  try {
    return await command.run({ db, actor: "cli", appliedOnOpen: db.appliedMigrations, driftSweep: ownDriftSweep(db, config) }, args);
  } finally {
    await db.close();
  }
}

/**
 * No server runs the command (PostgreSQL, or a stopped server): a drift sweep needs a GitLab client of
 * its own, made from GITLAB_URL and GITLAB_TOKEN for this one command (the bundled emulator lives only
 * inside a running server, so without GITLAB_URL there is nothing to reach).
 */
function ownDriftSweep(db: Database, config: Config): CommandContext["driftSweep"] {
  if (!config.gitlabUrl || !config.gitlabToken) return undefined;
  return async (request) => {
    const [{ createGitLabClient }, { createGitLabCallLog }, { sweepDrift }] = await Promise.all([import("../gitlab/client"), import("../reconcile/gitlab-call-log"), import("../reconcile/drift-sweep")]);
    const callLog = createGitLabCallLog();
    const gitlab = createGitLabClient({ url: config.gitlabUrl!, token: config.gitlabToken!, timeoutMs: config.gitlabTimeoutMs, concurrency: config.gitlabConcurrency, onCall: callLog.onCall });
    try {
      return await sweepDrift({ runner: db.direct, gitlab, callLog, now: () => new Date() }, request);
    } finally {
      gitlab.close();
    }
  };
}

/** The database URL without credentials, for messages. */
function describeUrl(url: string): string {
  const parsed = new URL(url);
  return `PostgreSQL database ${parsed.hostname}${parsed.port ? `:${parsed.port}` : ""}${parsed.pathname} (DATABASE_URL)`;
}
