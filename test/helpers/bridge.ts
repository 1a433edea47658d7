/**
 * The bridge's HTTP app in-process on port 0 over a fresh test database, with one IdP connection and
 * its bearer token ready. Real HTTP, real database; nothing mocked.
 */
import type { Server } from "node:http";
import { createApp, type AppDeps } from "../../src/app";
import { loadConfig, type Config } from "../../src/config";
import { createConnection } from "../../src/connections/connections";
import type { Database } from "../../src/db/database";
import { createLogger } from "../../src/observability/logger";
import { createTestDatabase } from "./database";

export interface TestBridge {
  url: string;
  db: Database;
  config: Config;
  /** Bearer token of the default connection ("test", idp generic unless given). */
  token: string;
  connectionId: string;
  /** Creates another connection, returning its token. */
  addConnection(name: string, idp?: string): Promise<{ id: string; token: string }>;
  close(): Promise<void>;
}

export async function startTestBridge(options: { env?: Record<string, string>; idp?: string; wrapStores?: AppDeps["wrapStores"] } = {}): Promise<TestBridge> {
  const testDb = await createTestDatabase();
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", ...options.env });
  const logger = createLogger(config.logLevel);
  const app = createApp({ config, db: testDb.db, logger, wrapStores: options.wrapStores });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const addConnection = async (name: string, idp = "generic") => {
    const created = await createConnection(testDb.db.prisma, { name, idp, actor: "test" });
    return { id: created.id, token: created.token.token };
  };
  const main = await addConnection("test", options.idp ?? "generic");
  return {
    url: `http://127.0.0.1:${port}`,
    db: testDb.db,
    config,
    token: main.token,
    connectionId: main.id,
    addConnection,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await testDb.close();
    },
  };
}
