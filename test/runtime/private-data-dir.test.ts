/**
 * Issue 9 item 5, safe files: DATA_DIR holds the directory's PII, token hashes and the WAL that could
 * rewrite them, so it is 0700 and everything in it owner-only — also when it existed before with wider
 * modes (Docker's /data was 0755; PGlite created its files 0644 and 0666) — and the control socket is
 * owner-only. The built server, as `npm start` runs it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { startBridgeProcess, type BridgeProcess } from "../observability/bridge-process";

jest.setTimeout(240_000);

let tmp: string;
const running: BridgeProcess[] = [];

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-modes-"));
});

afterAll(async () => {
  while (running.length) await running.pop()!.kill();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Every path under `dir` (itself included) whose mode lets group or others in, with that mode. */
function widerThanOwner(dir: string): string[] {
  const found: string[] = [];
  const visit = (target: string) => {
    const stat = fs.lstatSync(target);
    if (stat.mode & 0o077) found.push(`${path.relative(dir, target) || "."} ${(stat.mode & 0o777).toString(8)}`);
    if (stat.isDirectory()) for (const entry of fs.readdirSync(target)) visit(path.join(target, entry));
  };
  visit(dir);
  return found;
}

async function stop(bridge: BridgeProcess): Promise<void> {
  bridge.child.kill("SIGTERM");
  expect(await bridge.exited).toBe(0);
  running.splice(running.indexOf(bridge), 1);
}

test("a pre-existing 0755 DATA_DIR with a 0644 file: after start the directory is 0700 and every file in it owner-only, the control socket included", async () => {
  const dataDir = path.join(tmp, "existing");
  fs.mkdirSync(path.join(dataDir, "notes"), { recursive: true });
  fs.writeFileSync(path.join(dataDir, "notes", "readme.txt"), "left here by an operator");
  fs.chmodSync(dataDir, 0o755);
  fs.chmodSync(path.join(dataDir, "notes"), 0o755);
  fs.chmodSync(path.join(dataDir, "notes", "readme.txt"), 0o644);

  const bridge = await startBridgeProcess({ DATA_DIR: dataDir }, 120_000);
  running.push(bridge);
  expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
  expect(fs.statSync(path.join(dataDir, "notes", "readme.txt")).mode & 0o777).toBe(0o600);
  const socket = fs.lstatSync(path.join(dataDir, "control.sock"));
  expect(socket.isSocket()).toBe(true);
  expect(socket.mode & 0o077).toBe(0);
  expect(fs.existsSync(path.join(dataDir, "pglite", "PG_VERSION"))).toBe(true);
  expect(widerThanOwner(dataDir)).toEqual([]);
  await stop(bridge);
});

test("database files an earlier version left 0666 and 0644 are narrowed on the next start", async () => {
  const dataDir = path.join(tmp, "earlier");
  const first = await startBridgeProcess({ DATA_DIR: dataDir }, 120_000);
  running.push(first);
  await stop(first);
  const pglite = path.join(dataDir, "pglite");
  for (const name of ["PG_VERSION", "postgresql.conf", path.join("global", "pg_control")]) fs.chmodSync(path.join(pglite, name), 0o666);
  fs.chmodSync(path.join(pglite, "base"), 0o755);
  expect(widerThanOwner(dataDir).length).toBeGreaterThan(0);

  const second = await startBridgeProcess({ DATA_DIR: dataDir }, 120_000);
  running.push(second);
  expect(widerThanOwner(dataDir)).toEqual([]);
  await stop(second);
});
