/**
 * Standalone GitLab emulator:
 *   npm run gitlab-emulator -- --port 3000 [--host 127.0.0.1] [--admin-token T] [--seed file.json]
 * Prints the URL and, when it was generated, the admin token. Stops on SIGINT/SIGTERM.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startGitLabEmulator, type Seed } from "./index";

function fail(message: string): never {
  console.error(`gitlab-emulator: ${message}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: "string", default: "3000" },
        host: { type: "string", default: "127.0.0.1" },
        "admin-token": { type: "string" },
        seed: { type: "string" },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer between 0 and 65535, got "${values.port}"`);
  let seed: Seed | undefined;
  if (values.seed) {
    try {
      seed = JSON.parse(readFileSync(values.seed, "utf8")) as Seed;
    } catch (e) {
      fail(`--seed ${values.seed}: ${(e as Error).message}`);
    }
  }
  let emulator;
  try {
    emulator = await startGitLabEmulator({ port, host: values.host, adminToken: values["admin-token"], seed });
  } catch (e) {
    fail((e as Error).message);
  }
  console.log(`GitLab emulator listening on ${emulator.url}`);
  if (emulator.adminTokenGenerated) console.log(`Admin token (root's personal access token): ${emulator.adminToken}`);
  const stop = () => void emulator.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

void main();
