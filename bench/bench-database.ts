/**
 * Where a reconcilers' benchmark keeps the bridge's data: the embedded database in a fresh DATA_DIR
 * (the default, as `npm start` runs), or with BENCH_DATABASE_URL (a PostgreSQL server, e.g.
 * postgres://postgres@127.0.0.1:5432/postgres) a fresh database on that server, which is how the bridge
 * scales: the database's work leaves the bridge's one thread. Either is removed afterwards.
 */
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface BenchDatabase {
  /** The bridge's (and the CLI's) environment for it. */
  env: { DATA_DIR: string; DATABASE_URL: string };
  /** "embedded PGlite" or "PostgreSQL", for the report. */
  label: string;
  remove(): Promise<void>;
}

export async function benchDatabase(name: string): Promise<BenchDatabase> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `gsb-bench-${name}-`));
  const removeDir = () => fs.rmSync(dataDir, { recursive: true, force: true });
  const server = process.env.BENCH_DATABASE_URL;
  if (!server) return { env: { DATA_DIR: dataDir, DATABASE_URL: "" }, label: "embedded PGlite", remove: async () => removeDir() };
  const database = `gsb_bench_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(server);
  url.pathname = `/${database}`;
  return {
    env: { DATA_DIR: dataDir, DATABASE_URL: url.toString() },
    label: "PostgreSQL",
    async remove() {
      removeDir();
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
