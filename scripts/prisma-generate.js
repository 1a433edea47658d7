#!/usr/bin/env node
// `prisma generate` only needs the schema engine binary to exist, not to run; the real download host
// is unreachable in our build environments, so point the CLI at any existing file.
const { spawnSync } = require("node:child_process");
const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ||= process.execPath;
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
env.CHECKPOINT_DISABLE = "1";
const cli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [cli, "generate", "--schema", "prisma/schema.prisma"], { env, stdio: "inherit" });
process.exit(result.status ?? 1);
