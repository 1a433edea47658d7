#!/usr/bin/env node
/** Entry point of `gitlab-scim-bridge` (npx gitlab-scim-bridge, npm run cli --). */
import { restrictNewFiles } from "../runtime/private-files";
import { runCli } from "./cli";

// Before anything is created: a CLI that owns DATA_DIR creates database files (src/runtime/private-files.ts).
restrictNewFiles();

void runCli(process.argv.slice(2), process.env, {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then((code) => {
  // Exit explicitly once the streams are flushed: a database driver may keep handles alive.
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
});
