/**
 * The running server's control socket: a local HTTP server on a Unix socket (mode 0600, created so: the
 * umask is 177 while it binds, never chmod-ed afterwards, which would leave a moment of wider access) through which
 * the CLI runs its commands in this process, with this process's database, while the server owns the
 * embedded PGlite. It runs the very command objects the CLI would run itself. Only the server holding
 * the DATA_DIR lock starts one, so a socket file left by a crash can be replaced safely.
 * Logs name the command and its outcome, never option values or results (a result may hold a token).
 */
import fs from "node:fs";
import http from "node:http";
import type { Database } from "../db/database";
import type { Logger } from "../observability/logger";
import type { CommandContext, OptionValues } from "./command";
import { findCommand } from "./commands";
import { CONTROL_MAX_BODY_BYTES, CONTROL_PATH, type ControlRequest, type ControlResponse } from "./control-protocol";
import { controlSocketPath, prepareSocketDirectory } from "./control-socket";
import { asCliError, CliError } from "./errors";

/** Read and write for the owner only: 0600. */
const SOCKET_UMASK = 0o177;

export interface ControlServer {
  readonly socketPath: string;
  close(): Promise<void>;
}

export interface ControlServerOptions {
  dataDir: string;
  db: Database;
  logger: Logger;
  /** Wakes the server's reconcile workers; handed to commands that make work due (CommandContext.wake). */
  wake?: () => void;
  /** Runs a drift sweep with the server's GitLab client (CommandContext.driftSweep). */
  driftSweep?: CommandContext["driftSweep"];
}

export async function startControlServer(opts: ControlServerOptions): Promise<ControlServer> {
  const socketPath = controlSocketPath(opts.dataDir);
  prepareSocketDirectory(socketPath);
  fs.rmSync(socketPath, { force: true });
  const server = http.createServer((req, res) => {
    void handle(req, opts).then((response) => {
      const body = JSON.stringify(response);
      res.writeHead(response.ok ? 200 : response.exitCode === 2 ? 400 : 422, { "content-type": "application/json" });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // bind(2) happens inside listen(), synchronously, and creates the socket 0777 less the umask.
    const umask = process.umask(SOCKET_UMASK);
    try {
      server.listen(socketPath, () => {
        server.off("error", reject);
        resolve();
      });
    } finally {
      process.umask(umask);
    }
  });
  opts.logger.info({ socket: socketPath }, "control socket listening");
  return {
    socketPath,
    // Lets a command already running finish (they are short) before the database is closed under it.
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          fs.rmSync(socketPath, { force: true });
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

async function handle(req: http.IncomingMessage, opts: ControlServerOptions): Promise<ControlResponse> {
  const started = Date.now();
  let command = "?";
  try {
    if (req.method !== "POST" || req.url !== CONTROL_PATH) throw new CliError(2, `the control socket accepts POST ${CONTROL_PATH} only`);
    const request = parseRequest(await readBody(req));
    command = request.command;
    const found = findCommand(request.command);
    if (!found) throw new CliError(2, `the server does not know the command "${request.command}"; is it an older version than this CLI?`);
    const result = await found.run({ db: opts.db, actor: "cli", appliedOnOpen: [], wake: opts.wake, driftSweep: opts.driftSweep }, found.parse(request.values));
    opts.logger.info({ command, outcome: "ok", durationMs: Date.now() - started }, "control command");
    return { ok: true, result };
  } catch (error) {
    const expected = asCliError(error);
    if (expected) {
      opts.logger.info({ command, outcome: "refused", reason: expected.message, durationMs: Date.now() - started }, "control command");
      return { ok: false, exitCode: expected.exitCode, message: expected.message };
    }
    opts.logger.error({ err: error, command }, "control command failed");
    return { ok: false, exitCode: 1, message: `the server failed to run "${command}" because of an unexpected error; its log has the cause` };
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > CONTROL_MAX_BODY_BYTES) {
        reject(new CliError(2, "control request too large"));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function parseRequest(body: string): ControlRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new CliError(2, "control request is not JSON");
  }
  const candidate = parsed as Partial<ControlRequest> | null;
  if (!candidate || typeof candidate.command !== "string" || !isOptionValues(candidate.values)) {
    throw new CliError(2, "control request must be {command: string, values: {option: string|boolean}}");
  }
  return { command: candidate.command, values: candidate.values };
}

function isOptionValues(value: unknown): value is OptionValues {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string" || typeof v === "boolean")
  );
}
