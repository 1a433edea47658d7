/**
 * Issue 2 item 4 on PostgreSQL: with DATABASE_URL the database serves many processes, so there is
 * no DATA_DIR lock and no control socket; the CLI opens the database directly, also while the server
 * runs. Needs TEST_DATABASE_URL (a PostgreSQL server URL); each run creates and drops its own database.
 */
import fs from "node:fs";
import path from "node:path";
import { createPostgresDatabase, testServerUrl } from "../helpers/database";
import { baseEnv, killAll, makeTempDir, parseJson, removeDir, runCli, startServer, type ServerProcess } from "./helpers/processes";

// Each CLI call is a process start; on a busy two-core machine several add up to minutes.
jest.setTimeout(180_000);

const serverUrl = testServerUrl();

if (!serverUrl) {
  test.skip("PostgreSQL CLI flow: skipped because TEST_DATABASE_URL is not set (e.g. TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres)", () => undefined);
} else {
  describe("CLI with DATABASE_URL (PostgreSQL)", () => {
    let database: { url: string; drop(): Promise<void> };
    let tmp: string;
    let env: NodeJS.ProcessEnv;
    let server: ServerProcess;

    beforeAll(async () => {
      database = await createPostgresDatabase(serverUrl);
      tmp = makeTempDir();
      // A DATA_DIR is given on purpose: with DATABASE_URL nothing may lock it or open PGlite in it.
      env = baseEnv({ DATABASE_URL: database.url, DATA_DIR: path.join(tmp, "data") });
      server = await startServer(env);
    }, 300_000);

    afterAll(async () => {
      await server?.stop();
      await killAll();
      await database?.drop();
      removeDir(tmp);
    });

        test("the server takes no DATA_DIR lock and opens no control socket", () => {
      const dataDir = path.join(tmp, "data");
      expect(fs.existsSync(path.join(dataDir, "owner.lock"))).toBe(false);
      expect(fs.existsSync(path.join(dataDir, "control.sock"))).toBe(false);
      expect(server.output()).toContain('"database":"postgres"');
    });

    test("migrate opens the database directly and finds it up to date", async () => {
      const run = await runCli(["migrate"], env);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("The postgres database is up to date");
      expect(server.output()).not.toContain('"command":"migrate"'); // not routed through the server
    });

    test("connection create, token list and token revoke work directly while the server runs", async () => {
      const created = parseJson<{ id: string; name: string; token: string; tokenId: string }>(
        await runCli(["connection", "create", "--name", "pg-okta", "--idp", "okta", "--json"], env),
      );
      expect(created.name).toBe("pg-okta");
      const list = await runCli(["token", "list", "--connection", "pg-okta", "--json"], env);
      expect(list.stdout).not.toContain(created.token);
      expect(parseJson<Array<{ id: string }>>(list).map((t) => t.id)).toEqual([created.tokenId]);
      const revoke = await runCli(["token", "revoke", "--connection", "pg-okta", "--token-id", created.tokenId], env);
      expect(revoke.code).toBe(0);
      expect(fs.existsSync(path.join(tmp, "data", "pglite"))).toBe(false);
    });

    test("create → the token authenticates over HTTP at once; revoke → 401 at once", async () => {
      const created = parseJson<{ token: string; tokenId: string }>(await runCli(["connection", "create", "--name", "pg-entra", "--idp", "entra", "--json"], env));
      const get = (token?: string) => fetch(`${server.url}/scim/v2/ServiceProviderConfig`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      expect((await get(created.token)).status).toBe(200);
      expect((await get()).status).toBe(401);
      const revoke = await runCli(["token", "revoke", "--connection", "pg-entra", "--token-id", created.tokenId], env);
      expect(revoke.code).toBe(0);
      expect((await get(created.token)).status).toBe(401);
    });

    test("a wrong database URL is one sentence without the password", async () => {
      const url = new URL(database.url);
      url.password = "s3cret-password";
      url.port = "1"; // nothing listens there
      const run = await runCli(["connection", "list"], { ...env, DATABASE_URL: url.toString() });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^gitlab-scim-bridge: cannot open the PostgreSQL database [^ ]+:1\/gsb_test_\w+ \(DATABASE_URL\): .+\n$/);
      expect(run.stderr).not.toContain("s3cret-password");
    });
  });
}
