/**
 * How operators start the server, read from the one place that says it: package.json's "start"
 * script, `node [node options] dist/src/main.js`. Some node options (--v8-pool-size) can only be given
 * when the process starts, so the benchmark, the tests and the conformance run start the server with
 * these same options, and a test holds the Dockerfile's CMD to them.
 */
import fs from "node:fs";
import path from "node:path";
import { projectRoot } from "../src/project-root";

const SERVER_SCRIPT = "dist/src/main.js";

/** The node options between `node` and dist/src/main.js in `npm start`. */
export function startNodeOptions(root = projectRoot()): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts?: { start?: string } };
  const start = pkg.scripts?.start ?? "";
  const words = start.trim().split(/\s+/);
  if (words[0] !== "node" || words.at(-1) !== SERVER_SCRIPT || words.slice(1, -1).some((word) => !word.startsWith("--"))) {
    throw new Error(`package.json's start script must be "node [--options] ${SERVER_SCRIPT}", not ${JSON.stringify(start)}`);
  }
  return words.slice(1, -1);
}

/** node's arguments for the server as `npm start` gives them: the options, then dist/src/main.js under `root`. */
export function serverArgs(root = projectRoot()): string[] {
  return [...startNodeOptions(root), path.join(root, SERVER_SCRIPT)];
}
