/** Sends one command to a running server's control socket and returns its result or its refusal. */
import http from "node:http";
import type { JsonValue, OptionValues } from "./command";
import { CONTROL_PATH, type ControlResponse } from "./control-protocol";
import { CliError } from "./errors";

/** The socket does not accept connections (yet, or any more): nothing was sent, trying again is safe. */
export class ControlUnreachableError extends Error {}

const TIMEOUT_MS = 60_000;

export function sendControlCommand(socketPath: string, command: string, values: OptionValues): Promise<JsonValue> {
  const body = JSON.stringify({ command, values });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path: CONTROL_PATH, method: "POST", headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          let response: ControlResponse;
          try {
            response = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ControlResponse;
          } catch {
            return reject(new CliError(1, `the server answered the control request with something that is not JSON (HTTP ${res.statusCode})`));
          }
          if (response.ok) resolve(response.result);
          else reject(new CliError(response.exitCode, response.message));
        });
      },
    );
    req.setTimeout(TIMEOUT_MS, () => req.destroy(new CliError(1, `the server did not answer within ${TIMEOUT_MS / 1000} s; the command may or may not have run`)));
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") reject(new ControlUnreachableError(`${socketPath}: ${error.code}`));
      else if (error instanceof CliError) reject(error);
      else reject(new CliError(1, `lost the connection to the server's control socket (${error.code ?? error.message}); the command may or may not have run`));
    });
    req.end(body);
  });
}
