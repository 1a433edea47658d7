/**
 * Issue 2 item 4: "with no server running the CLI opens [the embedded database] itself" — holding the
 * DATA_DIR lock while it does, so no server can open PGlite underneath it — and leaves nothing behind.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { acquireDataDirLock } from "../../src/runtime/data-dir-lock";
import { baseEnv, deadPid, killAll, makeTempDir, parseJson, removeDir, runCli, runProcess, runServerToExit, startServer } from "./helpers/processes";

// Each CLI call is a process start; on a busy two-core machine several add up to minutes.
jest.setTimeout(180_000);

let tmp: string;

beforeAll(() => {
  tmp = makeTempDir();
});

afterAll(async () => {
  await killAll();
  removeDir(tmp);
});

function freshDataDir(name: string): string {
  return path.join(tmp, name);
}

test("with no server, the CLI opens the database itself and leaves no lock or socket behind; a server then sees its work", async () => {
  const dataDir = freshDataDir("alone");
  const env = baseEnv({ DATA_DIR: dataDir });
  const created = parseJson<{ name: string; token: string }>(await runCli(["connection", "create", "--name", "okta", "--idp", "okta", "--json"], env));
  expect(created.name).toBe("okta");
  expect(fs.readdirSync(dataDir).sort()).toEqual(["pglite"]);
  expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);

  const server = await startServer(env);
  try {
    const res = await fetch(`${server.url}/scim/v2/ServiceProviderConfig`, { headers: { authorization: `Bearer ${created.token}` } });
    expect(res.status).toBe(200);
    // Now through the server's control socket: the connection the CLI made alone is there.
    const list = parseJson<Array<{ name: string }>>(await runCli(["connection", "list", "--json"], env));
    expect(list.map((c) => c.name)).toEqual(["okta"]);
    expect(server.output()).toContain('"command":"connection list","outcome":"ok"');
  } finally {
    expect(await server.stop()).toBe(0);
  }
  // A stopped server releases the directory too.
  expect(fs.readdirSync(dataDir).sort()).toEqual(["pglite"]);
}, 300_000);

test("a stale lock left by a dead process is taken over by the CLI and by a server", async () => {
  const dataDir = freshDataDir("stale");
  fs.mkdirSync(dataDir, { mode: 0o700 });
  const stale = { pid: await deadPid(), hostname: os.hostname(), processStartedAt: new Date(0).toISOString(), acquiredAt: new Date(0).toISOString(), role: "server", nonce: "dead0000" };
  fs.writeFileSync(path.join(dataDir, "owner.lock"), JSON.stringify(stale));
  const env = baseEnv({ DATA_DIR: dataDir });

  const migrate = await runCli(["migrate"], env);
  expect(migrate).toMatchObject({ code: 0, stderr: "" });
  expect(migrate.stdout).toContain("20261125000000_init");
  expect(fs.existsSync(path.join(dataDir, "owner.lock"))).toBe(false);

  fs.writeFileSync(path.join(dataDir, "owner.lock"), JSON.stringify(stale));
  const server = await startServer(env);
  expect(JSON.parse(fs.readFileSync(path.join(dataDir, "owner.lock"), "utf8"))).toMatchObject({ pid: server.pid, role: "server" });
  expect(await server.stop()).toBe(0);
}, 300_000);

test("a server refuses to start while a CLI command holds DATA_DIR, naming its pid and the directory", async () => {
  const dataDir = freshDataDir("cli-holds");
  // This test process plays the CLI in the middle of a command.
  const lock = await acquireDataDirLock(dataDir, { role: "cli" });
  try {
    const server = await runServerToExit(baseEnv({ DATA_DIR: dataDir }));
    expect(server.code).toBe(1);
    expect(server.stdout).toContain(`DATA_DIR ${dataDir} is in use by a gitlab-scim-bridge CLI command (pid ${process.pid}`);
    expect(fs.existsSync(path.join(dataDir, "pglite"))).toBe(false); // it never touched the database
  } finally {
    await lock.release();
  }
  expect(fs.existsSync(path.join(dataDir, "owner.lock"))).toBe(false);
}, 300_000);

describe("usage errors: exit 2 and one sentence on stderr, before any database is opened", () => {
  const env = () => baseEnv({ DATA_DIR: freshDataDir("never-created") });
  const cases: Array<[string, string[], RegExp]> = [
    ["no command", [], /a command is required/],
    ["unknown command", ["frobnicate"], /"frobnicate" is not a command/],
    ["unknown subcommand", ["connection", "delete"], /"connection delete" is not a command; "connection" has create, list/],
    ["missing subcommand", ["token"], /"token" needs a subcommand: create, list, revoke/],
    ["missing required option", ["connection", "create", "--idp", "entra"], /--name is required/],
    ["bad --idp", ["connection", "create", "--name", "x", "--idp", "azure"], /--idp must be one of entra, okta, generic, got "azure"/],
    ["unknown option", ["token", "list", "--connection", "x", "--all"], /Unknown option '--all'; see `gitlab-scim-bridge token list --help`/],
    ["option without value", ["token", "list", "--connection"], /--connection/],
    ["stray positional", ["connection", "list", "extra"], /extra/],
  ];
  test.each(cases)("%s", async (_name, args, message) => {
    const run = await runCli(args, env());
    expect(run).toMatchObject({ code: 2, stdout: "", stderr: expect.stringMatching(message) });
    expect(run.stderr).toMatch(/^gitlab-scim-bridge: .+\n$/); // one line, no stack trace
    expect(fs.existsSync(freshDataDir("never-created"))).toBe(false);
  });

  test("a bad environment variable names the variable", async () => {
    const run = await runCli(["connection", "list"], baseEnv({ DATA_DIR: freshDataDir("never-created"), DATABASE_URL: "mysql://x" }));
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DATABASE_URL must use postgres: or postgresql:/);
  });
});

describe("help", () => {
  test("--help lists every command and exits 0", async () => {
    const run = await runCli(["--help"], baseEnv({}));
    expect(run.code).toBe(0);
    for (const name of ["migrate", "connection create", "connection list", "token create", "token list", "token revoke"]) expect(run.stdout).toContain(name);
  });

  test("per-command --help shows its options", async () => {
    const run = await runCli(["token", "revoke", "--help"], baseEnv({}));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Usage: gitlab-scim-bridge token revoke --connection NAME --token-id ID");
    expect(run.stdout).toContain("--json");
  });

  test("npx gitlab-scim-bridge runs the built CLI (package.json bin)", async () => {
    const run = await runProcess("npx", ["--no-install", "gitlab-scim-bridge", "connection", "--help"], baseEnv({}));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("connection create");
    expect(run.stdout).not.toContain("token revoke");
  }, 60_000);
});
