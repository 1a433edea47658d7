/**
 * The bridge as `npm start` composes it, in-process: the HTTP app on port 0, a fresh test database, the
 * reconcile workers woken by SCIM writes, against an in-process GitLab emulator over real HTTP. One IdP
 * connection is ready. Tests read GitLab's side from the emulator (state and request log) and wait for
 * the workers to fall quiet, never for a fixed time.
 */
import { startGitLabEmulator, type GitLabEmulator, type GitLabEmulatorOptions } from "../../tools/gitlab-emulator";
import { createApp } from "../../src/app";
import { loadConfig, type Config } from "../../src/config";
import { updateConnectionSettings } from "../../src/connections/connection-settings-update";
import { createConnection } from "../../src/connections/connections";
import type { ConnectionSettings } from "../../src/connections/settings";
import { createHttpServer } from "../../src/http-server";
import { createLogger } from "../../src/observability/logger";
import { createGitLabClient } from "../../src/gitlab/client";
import { createGitLabCallLog } from "../../src/reconcile/gitlab-call-log";
import { startReconciler, type Reconciler } from "../../src/reconcile/reconciler";
import { createTestDatabase, type TestDatabase } from "./database";
import type { TestBridge } from "./bridge";

export interface ReconcilingBridge extends TestBridge {
  emulator: GitLabEmulator;
  reconciler: Reconciler;
  connectionName: string;
  /** Resolves once every worker sleeps with nothing due; fails after `timeoutMs`. */
  quiet(timeoutMs?: number): Promise<void>;
  updateSettings(change: Partial<ConnectionSettings>, connectionName?: string): Promise<void>;
}

export async function startReconcilingBridge(
  options: { env?: Record<string, string>; idp?: string; settings?: Partial<ConnectionSettings>; emulator?: GitLabEmulatorOptions } = {},
): Promise<ReconcilingBridge> {
  const emulator = await startGitLabEmulator({ port: 0, ...options.emulator });
  let testDb: TestDatabase | undefined;
  let reconciler: Reconciler | undefined;
  try {
    testDb = await createTestDatabase();
    const db = testDb.db;
    const config: Config = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent", RECONCILE_WORKERS: "4", RECONCILE_DRIFT_INTERVAL_MINUTES: "0", ...options.env });
    const logger = createLogger(config.logLevel);
    const addConnection = async (name: string, idp = "generic") => {
      const created = await createConnection(db.prisma, { name, idp, actor: "test" });
      return { id: created.id, token: created.token.token };
    };
    const main = await addConnection("test", options.idp ?? "generic");
    if (options.settings) await updateConnectionSettings(db.prisma, "test", options.settings, "test");
    const app = createApp({ config, db, logger, onMarked: () => reconciler?.workers.wake() });
    const server = createHttpServer(app, config, logger);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    // The client as runtime/gitlab-connection.ts makes it, without the start-up check (its audit event
    // would be one more row in every test's audit assertions).
    const callLog = createGitLabCallLog();
    const gitlab = createGitLabClient({ url: emulator.url, token: emulator.adminToken, timeoutMs: config.gitlabTimeoutMs, concurrency: config.gitlabConcurrency, endpointLimits: { members_delete: config.gitlabMembersDeletePerMinute }, logger, onCall: callLog.onCall });
    reconciler = await startReconciler({ config, db, gitlab, callLog, logger });
    const running = reconciler;
    const ownDb = testDb;
    return {
      url: `http://127.0.0.1:${port}`,
      db,
      config,
      token: main.token,
      connectionId: main.id,
      connectionName: "test",
      emulator,
      reconciler: running,
      addConnection,
      async quiet(timeoutMs = 20_000) {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the reconcile workers did not fall quiet within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
          await Promise.race([running.workers.whenIdle(), deadline]);
        } finally {
          clearTimeout(timer);
        }
      },
      async updateSettings(change, connectionName = "test") {
        await updateConnectionSettings(db.prisma, connectionName, change, "test");
        running.workers.wake();
      },
      async close() {
        await running.stop();
        running.gitlab.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await ownDb.close();
        await emulator.close();
      },
    };
  } catch (error) {
    await reconciler?.stop();
    reconciler?.gitlab.close();
    await testDb?.close();
    await emulator.close();
    throw error;
  }
}
