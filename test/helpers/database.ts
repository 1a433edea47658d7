/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or — when
 * TEST_DATABASE_URL names a PostgreSQL server (the PostgreSQL leg of .ci/run) — a new database on that
 * server, dropped again on close. No test shares a database with another file.
 */
import crypto from "node:crypto";
import pg from "pg";
import { openDatabase, type Database, type DatabaseOptions } from "../../src/db/database";

export interface TestDatabase {
  db: Database;
  /** The PostgreSQL URL of this test's database, when running on PostgreSQL. */
  databaseUrl?: string;
  close(): Promise<void>;
}

export function testServerUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

/** Creates an empty PostgreSQL database on the test server; returns its URL and a dropper. */
export async function createPostgresDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `gsb_test_${crypto.randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function createTestDatabase(options: Omit<DatabaseOptions, "databaseUrl" | "pgliteDir"> = {}): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  if (!serverUrl) {
    const db = await openDatabase({ ...options, pgliteDir: "memory" });
    return { db, close: () => db.close() };
  }
  const created = await createPostgresDatabase(serverUrl);
  try {
    const db = await openDatabase({ ...options, databaseUrl: created.url });
    return {
      db,
      databaseUrl: created.url,
      async close() {
        await db.close();
        await created.drop();
      },
    };
  } catch (error) {
    await created.drop();
    throw error;
  }
}
