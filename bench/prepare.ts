/**
 * Prepares the benchmark's DATA_DIR the way an identity provider that provisioned earlier leaves it,
 * in a process of its own, before the bridge starts:
 *
 *   node dist/bench/prepare.js <dataDir> <outFile>
 *
 * Opens DATA_DIR/pglite as the server does (openDatabase with the configured PGLITE_SHARED_BUFFERS:
 * initdb and migrations on a fresh directory), creates the "bench" connection, seeds the directory
 * (bench/seed.ts; BENCH_USERS, BENCH_GROUPS, BENCH_MEMBERS), creates the "bench-large" connection with
 * BENCH_LARGE_USERS (200,000) users (bench/large-tenant.ts, one statement), runs ANALYZE as the bridge's maintenance
 * does after a bulk change, closes, and writes a PreparedDirectory ({ token, users, groups }) as JSON
 * to outFile. This process's memory (initdb's, the seeding's) dies with it; the bridge then opens an
 * existing database, as every start after the first does.
 */
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../src/config";
import { createConnection } from "../src/connections/connections";
import { acquireDataDirLock } from "../src/runtime/data-dir-lock";
import { openDatabase } from "../src/db/database";
import { LARGE_TITLE_EVERY, seedLargeTenant } from "./large-tenant";
import { benchNumber, benchSizes, seedDirectory, type PreparedDirectory } from "./seed";

async function prepare(dataDir: string, outFile: string): Promise<void> {
  const config = loadConfig({ ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" });
  // The owner of DATA_DIR for as long as this runs, as the CLI is when no server runs.
  const lock = await acquireDataDirLock(config.dataDir, { role: "cli" });
  try {
    const db = await openDatabase({ pgliteDir: path.join(config.dataDir, "pglite"), pgliteSharedBuffers: config.pgliteSharedBuffers, pgliteDurability: config.pgliteDurability });
    try {
      const connection = await createConnection(db.prisma, { name: "bench", idp: "generic", actor: "bench" });
      const directory = await seedDirectory(db, connection.id, benchSizes());
      // A second tenant, far larger, in the same database (the large-tenant rows of bench/run.ts).
      const large = await createConnection(db.prisma, { name: "bench-large", idp: "generic", actor: "bench" });
      const largeUsers = benchNumber("BENCH_LARGE_USERS", 200_000);
      await seedLargeTenant(db.sql, large.id, { users: largeUsers, titleEvery: LARGE_TITLE_EVERY });
      await db.sql.exec("ANALYZE");
      const prepared: PreparedDirectory = { token: connection.token.token, ...directory, large: { token: large.token.token, users: largeUsers } };
      fs.writeFileSync(outFile, JSON.stringify(prepared));
    } finally {
      await db.close();
    }
  } finally {
    await lock.release();
  }
}

if (require.main === module) {
  const [dataDir, outFile] = process.argv.slice(2);
  if (!dataDir || !outFile) {
    console.error("usage: node dist/bench/prepare.js <dataDir> <outFile>");
    process.exit(2);
  }
  prepare(dataDir, outFile).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
