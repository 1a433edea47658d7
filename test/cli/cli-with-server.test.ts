/**
 * Issue 2 item 4: "The CLI works while the server runs" on embedded PGlite. The server owns
 * DATA_DIR/pglite; every CLI command here runs inside it through the control socket, and the tokens it
 * prints authenticate SCIM requests over real HTTP at once (and stop at once when revoked).
 */
import fs from "node:fs";
import path from "node:path";
import { baseEnv, killAll, makeTempDir, parseJson, removeDir, runCli, runServerToExit, startServer, type ServerProcess } from "./helpers/processes";

interface CreatedConnectionJson {
  id: string;
  name: string;
  idp: string;
  token: string;
  tokenId: string;
  tokenPrefix: string;
}

interface TokenJson {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

// Each CLI call is a process start; on a busy two-core machine several add up to minutes.
jest.setTimeout(180_000);

let tmp: string;
let dataDir: string;
let env: NodeJS.ProcessEnv;
let server: ServerProcess;
let entra: CreatedConnectionJson;

function scimGet(token?: string): Promise<Response> {
  return fetch(`${server.url}/scim/v2/ServiceProviderConfig`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

beforeAll(async () => {
  tmp = makeTempDir();
  dataDir = path.join(tmp, "data");
  env = baseEnv({ DATA_DIR: dataDir });
  server = await startServer(env);
  // Created here, through the running server: the tests below all use this connection.
  entra = parseJson<CreatedConnectionJson>(await runCli(["connection", "create", "--name", "entra", "--idp", "entra", "--json"], env));
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await killAll();
  removeDir(tmp);
});

test("connection create --json through the running server prints one JSON object with id, name, idp and token", () => {
  expect(entra).toMatchObject({ name: "entra", idp: "entra" });
  expect(entra.id).toMatch(/^[0-9a-f-]{36}$/);
  // 32 random bytes in base64url behind the "gsb_" prefix.
  expect(entra.token).toMatch(/^gsb_[A-Za-z0-9_-]{43}$/);
  expect(server.output()).toContain('"command":"connection create","outcome":"ok"');
});

test("the printed token authenticates SCIM requests over HTTP; no token or a wrong one is 401", async () => {
  expect((await scimGet(entra.token)).status).toBe(200);
  const anonymous = await scimGet();
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
  expect((await scimGet(`${entra.token.slice(0, -1)}x`)).status).toBe(401);
});

test("token create → list shows id, prefix, label, created, last used and revoked, never the token or its hash", async () => {
  const created = parseJson<{ id: string; token: string; prefix: string; label: string }>(
    await runCli(["token", "create", "--connection", "entra", "--label", "second", "--json"], env),
  );
  expect(created).toMatchObject({ label: "second", prefix: created.token.slice(0, 10) });

  const listRun = await runCli(["token", "list", "--connection", "entra", "--json"], env);
  const tokens = parseJson<TokenJson[]>(listRun);
  expect(listRun.stdout).not.toContain(created.token);
  expect(listRun.stdout).not.toContain(entra.token);
  expect(listRun.stdout).not.toMatch(/[0-9a-f]{64}/); // no SHA-256 hash either
  expect(tokens.find((t) => t.id === created.id)).toMatchObject({ prefix: created.prefix, label: "second", lastUsedAt: null, revokedAt: null });
  expect(tokens.find((t) => t.id === entra.tokenId)).toMatchObject({ label: "initial" });
  for (const token of tokens) expect(Object.keys(token).sort()).toEqual(["createdAt", "id", "label", "lastUsedAt", "prefix", "revokedAt"]);

  const human = await runCli(["token", "list", "--connection", "entra"], env);
  expect(human.code).toBe(0);
  expect(human.stdout).toMatch(/ID\s+PREFIX\s+LABEL\s+CREATED\s+LAST USED\s+REVOKED/);
  expect(human.stdout).not.toContain(created.token);
});

test("token revoke is recorded and idempotent: list shows when; revoking again says it already was", async () => {
  const created = parseJson<{ id: string }>(await runCli(["token", "create", "--connection", "entra", "--json"], env));
  const revoke = await runCli(["token", "revoke", "--connection", "entra", "--token-id", created.id], env);
  expect(revoke.code).toBe(0);
  expect(revoke.stdout).toContain("Revoked token");
  const again = await runCli(["token", "revoke", "--connection", "entra", "--token-id", created.id], env);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain("already revoked");
  const after = parseJson<TokenJson[]>(await runCli(["token", "list", "--connection", "entra", "--json"], env));
  expect(after.find((t) => t.id === created.id)!.revokedAt).not.toBeNull();
});

test("a new token works over HTTP at once and records its last use; revoke → 401 at once, other tokens unaffected", async () => {
  const created = parseJson<{ id: string; token: string }>(await runCli(["token", "create", "--connection", "entra", "--label", "rotation", "--json"], env));
  expect((await scimGet(created.token)).status).toBe(200);
  const listed = parseJson<TokenJson[]>(await runCli(["token", "list", "--connection", "entra", "--json"], env)).find((t) => t.id === created.id)!;
  expect(listed.lastUsedAt).not.toBeNull();

  expect((await runCli(["token", "revoke", "--connection", "entra", "--token-id", created.id], env)).code).toBe(0);
  expect((await scimGet(created.token)).status).toBe(401);
  expect((await scimGet(entra.token)).status).toBe(200);
});

test("connection list shows the connection without any token; a duplicate name is refused with exit 1 and a sentence", async () => {
  const list = parseJson<Array<{ name: string; idp: string; activeTokens: number }>>(await runCli(["connection", "list", "--json"], env));
  expect(list.find((c) => c.name === "entra")).toMatchObject({ idp: "entra" });
  const duplicate = await runCli(["connection", "create", "--name", "entra", "--idp", "okta"], env);
  expect(duplicate.code).toBe(1);
  expect(duplicate.stderr).toBe('gitlab-scim-bridge: a connection named "entra" already exists\n');
});

test("errors raised inside the server come back as the CLI's sentence and exit code", async () => {
  const unknown = await runCli(["token", "list", "--connection", "nope"], env);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('there is no connection named "nope"');
  const badId = await runCli(["token", "revoke", "--connection", "entra", "--token-id", "12"], env);
  expect(badId.code).toBe(1);
  expect(badId.stderr).toContain("--token-id must be a token id");
  expect(badId.stderr).not.toMatch(/\n\s+at /); // no stack trace
});

test("migrate through the running server reports the database up to date", async () => {
  const run = await runCli(["migrate"], env);
  expect(run.code).toBe(0);
  expect(run.stdout).toMatch(/up to date/);
});

test("a second server on the same DATA_DIR refuses to start, naming the owner's pid and the directory", async () => {
  const second = await runServerToExit(env);
  expect(second.code).not.toBe(0);
  expect(second.stdout).toContain(`DATA_DIR ${dataDir} is in use by a running gitlab-scim-bridge server (pid ${server.pid}`);
  expect(second.stdout).not.toMatch(/"stack"/);
  // The first server is unaffected and still serves the CLI.
  expect((await runCli(["connection", "list"], env)).code).toBe(0);
});

test("the control socket and the lock file are private to the owner", () => {
  expect(fs.statSync(path.join(dataDir, "control.sock")).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.join(dataDir, "owner.lock")).mode & 0o777).toBe(0o600);
  expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
});

test("no token ever reaches the server's log", () => {
  expect(server.output()).not.toContain(entra.token);
  expect(server.output()).not.toMatch(/gsb_[A-Za-z0-9_-]{43}/);
});
