/**
 * `npm run bench`: the SCIM hot paths of a PGlite-backed bridge, measured against a bare Express
 * endpoint in the same run on the same machine, so the figures are ratios that survive a change of
 * hardware. Not a test: it prints a table and marks the targets of issue 2 pass/fail.
 *
 * The bridge is measured the way it runs in production: as a process of its own, started with the
 * node options of `npm start` (`node [options] dist/src/main.js`, read from package.json), on a data
 * directory that already holds the directory an IdP provisioned earlier. Its memory is its own, not
 * this process's, and not that of the one-off work of creating the database (PGlite's initdb) or of
 * loading 21,000 rows.
 *
 *   1. start a bare Express app and a GitLab emulator (tools/gitlab-emulator) in this process
 *   2. prepare the data directory in a child process (bench/prepare.ts): create and migrate the
 *      embedded database, create the "bench" connection, seed 10,000 users and 1,000 groups of 10
 *      members (bench/seed.ts), and a second connection with 200,000 users (bench/large-tenant.ts),
 *      ANALYZE, close
 *   3. start the bridge as its own process on that directory: PORT=0, HOST=127.0.0.1, LOG_LEVEL=info
 *      (its JSON logs read up to the "listening" line for the URL, then discarded), GITLAB_URL and
 *      GITLAB_TOKEN pointing at the emulator of step 1
 *   4. for each scenario, run autocannon (10 connections, 5 s) in a child process (bench/load.ts) on
 *      the bare endpoint, then on the bridge while sampling the bridge's VmRSS from /proc every 100 ms
 *      (peak per scenario)
 *   5. print req/s, p50/p99, peak RSS and req/s ÷ the bare run just before it, and the bridge's VmHWM
 *      (its peak RSS over its whole life, start-up included; the RSS target is judged on it); stop the
 *      bridge with SIGTERM; then the GitLab emulator's own rows
 *   6. then the user reconcilers' rows of issue 10 (bench/reconcile.ts: initial sync and offboarding
 *      latency against the emulator at 20 ms per call), in a child process of their own
 *   7. then the group memberships' rows of issue 11 (bench/memberships.ts: initial push of users, groups
 *      and memberships, and a full drift pass), in a child process of their own
 *
 * `npm run bench -- --only reconcile` runs step 6 alone, `--only memberships` step 7.
 *
 * The baseline is measured again before every scenario, and each ratio is taken against the bare run
 * next to it: on a machine shared with other work, one bare run at the start measured 2,505 req/s
 * where runs a minute apart in the same session gave 1,070 to 2,845, so a ratio against it said more
 * about what else ran at that moment than about the bridge.
 *
 * Linux only (/proc). Sizes and durations can be shrunk for a quick look: BENCH_USERS, BENCH_GROUPS,
 * BENCH_MEMBERS, BENCH_LARGE_USERS, BENCH_DURATION and BENCH_WARMUP (seconds), BENCH_CONNECTIONS;
 * BENCH_ONLY (a case-insensitive regular expression) measures only the scenarios whose names match.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import type { Server } from "node:http";
import os from "node:os";
import path from "node:path";
import express from "express";
import { startGitLabEmulator, type GitLabEmulator } from "../tools/gitlab-emulator";
import { SERVER_ARGS, START_TIMEOUT_MS, startBridgeProcess, type BridgeProcess } from "./bridge-process";
import type { LoadResult, LoadSpec } from "./load";
import { largeUserName } from "./large-tenant";
import { benchNumber, benchSizes, benchUserResource, type PreparedDirectory } from "./seed";

const SIZES = benchSizes();
const DURATION = benchNumber("BENCH_DURATION", 5);
const CONNECTIONS = benchNumber("BENCH_CONNECTIONS", 10);
/** Seconds of unmeasured load on each bridge path before the measurements. */
const WARMUP = benchNumber("BENCH_WARMUP", 2);
const MB = 1024 * 1024;
const RSS_TARGET = 300 * MB;
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Target {
  minRatio?: number;
  maxP99Ms?: number;
  /** × bare at least (1 - fraction) × that of the scenario named (the large tenant against the 10,000-user one). */
  near?: { scenario: string; fraction: number };
}

interface Scenario {
  name: string;
  /** false: not warmed up (a scan of the large tenant: warming it up would leave seconds of queued work). */
  warm?: boolean;
  spec: Omit<LoadSpec, "url" | "connections" | "durationSeconds">;
  target?: Target;
}

interface Row {
  name: string;
  result: LoadResult;
  /** The bare endpoint's run just before this one: the row's ratio is taken against it. */
  bare: LoadResult;
  peakRssBytes: number;
  target?: Target;
}

/** A field of /proc/<pid>/status in bytes (VmRSS: resident now; VmHWM: the peak of its whole life). */
function procStatusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  let status: string;
  try {
    status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  } catch (error) {
    throw new Error(`cannot read /proc/${pid}/status (the benchmark needs Linux, and the bridge must be running): ${(error as Error).message}`);
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Peak RSS of the bridge process while `work` runs, sampled every 100 ms. */
async function withRssPeak<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = procStatusBytes(pid, "VmRSS");
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, procStatusBytes(pid, "VmRSS"));
    } catch {
      // The bridge died: the load's errors say so, and the next read after `work` throws.
    }
  }, 100);
  try {
    const value = await work();
    return { value, peak: Math.max(peak, procStatusBytes(pid, "VmRSS")) };
  } finally {
    clearInterval(timer);
  }
}

/** Prepares the data directory in a child process (bench/prepare.ts) and returns what it seeded. */
function prepareDataDir(dataDir: string): Promise<PreparedDirectory> {
  const outFile = path.join(dataDir, "prepared.json");
  return new Promise<PreparedDirectory>((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, "prepare.js"), dataDir, outFile], { env: { ...process.env, DATABASE_URL: "" } }, (error, _stdout, stderr) => {
      if (error) return reject(new Error(`bench/prepare.js failed: ${stderr || error.message}`));
      try {
        resolve(JSON.parse(fs.readFileSync(outFile, "utf8")) as PreparedDirectory);
      } catch (readError) {
        reject(readError as Error);
      } finally {
        fs.rmSync(outFile, { force: true });
      }
    });
  });
}

/** Runs bench/load.js in a child process; the spec goes through a file (10,000 items exceed argv limits). */
function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const specFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gsb-load-")), "spec.json");
  fs.writeFileSync(specFile, JSON.stringify(spec));
  return new Promise<LoadResult>((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, "load.js"), specFile], { maxBuffer: 16 * MB }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`load generator failed: ${error.message}\n${stderr}`));
      resolve(JSON.parse(stdout) as LoadResult);
    });
  }).finally(() => fs.rmSync(path.dirname(specFile), { recursive: true, force: true }));
}

async function listen(app: express.Express): Promise<{ server: Server; url: string }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { server, url: `http://127.0.0.1:${port}` };
}

const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function verdict(row: Row, rows: Row[]): string {
  const bare = row.bare.requestsPerSecond;
  if (row.result.non2xx > 0 || row.result.errors > 0) return "INVALID (errors)";
  // Nothing answered within the run (all requests still waiting): no latency to judge.
  if (row.result.requests === 0) return "INVALID (no answers)";
  if (!row.target) return "";
  const checks: string[] = [];
  if (row.target.minRatio !== undefined) checks.push(row.result.requestsPerSecond / bare >= row.target.minRatio ? "pass" : "FAIL");
  if (row.target.maxP99Ms !== undefined) checks.push(row.result.latencyP99Ms < row.target.maxP99Ms ? "pass" : "FAIL");
  const near = row.target.near && rows.find((r) => r.name === row.target!.near!.scenario);
  // Each against its own bare run, as every ratio is: the two rows were measured a minute apart.
  if (near) checks.push(row.result.requestsPerSecond / bare >= (1 - row.target.near!.fraction) * (near.result.requestsPerSecond / near.bare.requestsPerSecond) ? "pass" : "FAIL");
  return checks.includes("FAIL") ? "FAIL" : "pass";
}

function targetText(target?: Target): string {
  if (!target) return "baseline";
  const parts = [];
  if (target.minRatio !== undefined) parts.push(`≥${target.minRatio}× bare`);
  if (target.maxP99Ms !== undefined) parts.push(`p99 <${target.maxP99Ms} ms`);
  if (target.near) parts.push(`≥${1 - target.near.fraction}× 10k row`);
  return parts.join(", ");
}

function printTable(rows: Row[]): void {
  const header = ["scenario", "req/s", "bare req/s", "× bare", "p50 ms", "p99 ms", "requests", "non-2xx", "bridge peak RSS MB", "target", "result"];
  const lines = rows.map((row) => [
    row.name,
    fmt(row.result.requestsPerSecond),
    fmt(row.bare.requestsPerSecond),
    fmt(row.result.requestsPerSecond / row.bare.requestsPerSecond, 3),
    fmt(row.result.latencyP50Ms, 1),
    fmt(row.result.latencyP99Ms, 1),
    fmt(row.result.requests),
    fmt(row.result.non2xx + row.result.errors),
    fmt(row.peakRssBytes / MB),
    targetText(row.target),
    verdict(row, rows),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const print = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 || i >= 9 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
  print(header);
  print(widths.map((w) => "-".repeat(w)));
  lines.forEach(print);
}

/**
 * The GitLab emulator's own benchmark (bench/gitlab-emulator.ts), in a child process of its own: its
 * seeding-speed ratio would otherwise be measured inside this process's heap, grown by the 10,000-user
 * directory and the load results it has held.
 */
async function emulatorRows(): Promise<void> {
  const file = path.join(__dirname, "gitlab-emulator.js");
  if (!fs.existsSync(file)) {
    console.log("\n(bench/gitlab-emulator.ts not present: no GitLab emulator rows)");
    return;
  }
  console.log("\nGitLab emulator (bench/gitlab-emulator.ts, in a child process)");
  await new Promise<void>((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: "inherit" });
    child.on("exit", () => resolve());
  });
}

/** The reconcilers' benchmarks, each run alone by `--only NAME` and after the SCIM rows otherwise. */
const CHILD_BENCHES = { reconcile: "reconcile.js", memberships: "memberships.js" } as const;
type ChildBench = keyof typeof CHILD_BENCHES;

/** A reconcilers' benchmark in a child process of its own; resolves with its exit code. */
function childBench(name: ChildBench): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(__dirname, CHILD_BENCHES[name])], { stdio: "inherit" });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

/** `--only NAME` (or `--only=NAME`): the part of the benchmark to run alone, if any. */
function onlyOption(args: string[]): ChildBench | undefined {
  const i = args.findIndex((a) => a === "--only" || a.startsWith("--only="));
  if (i < 0) return undefined;
  const value = args[i].startsWith("--only=") ? args[i].slice("--only=".length) : args[i + 1];
  if (!Object.prototype.hasOwnProperty.call(CHILD_BENCHES, value)) {
    throw new Error(`--only takes ${Object.keys(CHILD_BENCHES).map((k) => `"${k}"`).join(" or ")} (the user reconcilers' benchmark of issue 10, the group memberships' of issue 11), got ${JSON.stringify(value)}`);
  }
  return value as ChildBench;
}

const LOOKUP = 'GET /Users?filter=userName eq "…"';

/**
 * Waits until the bridge has worked off the requests autocannon left in flight when it stopped: /readyz
 * queries the database, so on the one embedded connection it answers only after them. Otherwise a slow
 * scenario's leftovers would be measured as the next scenario's latency.
 */
async function drained(url: string): Promise<void> {
  const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(START_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`the bridge is not ready after a scenario: ${res.status}`);
}

/**
 * The "bench-large" tenant (bench/large-tenant.ts, 200,000 users beside the 10,000 of the main one):
 * the IdP's indexed lookup, a filter no index serves (`title pr`, one user in ten has a title) and a
 * sort on an attribute without an index, each with its total over the whole tenant.
 *
 * `title pr` misses its p99 target by design of the engine, not of the query: its total counts 20,000
 * matches spread over the whole tenant (26,250 heap pages, 205 MB: ~8 users a page, so nearly every
 * page holds one), and any exact count reads those pages. A bare `count(*)` of the table took
 * 245 ms on PGlite (16 MB of shared buffers; a scan of a table over a quarter of them reuses a small
 * ring, so no pool size short of ~820 MB keeps it cached), the filtered count 250–290 ms, and through
 * a GIN index on the resource (`resource ? 'title'`, 93 MB, 40 s to build) 280 ms: the bitmap heap
 * scan still visited 20,000 heap pages, as it must to check each match. Real PostgreSQL 15 took 143–248 ms for the same count (a parallel scan of 3 processes). With
 * 10 clients and one embedded connection a request waits for the 9 before it, so p99 < 100 ms needs
 * a request under ~10 ms: 25 times less than reading the pages once.
 */
function largeTenantScenarios(large: PreparedDirectory["large"]): Scenario[] {
  const auth = { Authorization: `Bearer ${large.token}` };
  const names = Array.from({ length: Math.min(large.users, 20_000) }, (_, k) => largeUserName(1 + Math.floor((k * large.users) / Math.min(large.users, 20_000))));
  const get = (pathTemplate: string, items?: Record<string, string>[]): Scenario["spec"] => ({ method: "GET", headers: auth, pathTemplate, items });
  const size = fmt(large.users);
  return [
    {
      name: `${size} users: ${LOOKUP}`,
      spec: get("/scim/v2/Users?filter={filter}", names.map((u) => ({ filter: `userName eq "${u}"` })).sort(() => Math.random() - 0.5)),
      target: { near: { scenario: LOOKUP, fraction: 0.2 } },
    },
    { name: `${size} users: GET /Users?filter=title pr&count=10`, spec: get("/scim/v2/Users?filter=title%20pr&count=10"), target: { maxP99Ms: 100 }, warm: false },
    { name: `${size} users: GET /Users?sortBy=name.familyName&count=10`, spec: get("/scim/v2/Users?sortBy=name.familyName&count=10"), target: { maxP99Ms: 100 }, warm: false },
  ];
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-bench-"));
  let bridge: BridgeProcess | undefined;
  let gitlab: GitLabEmulator | undefined;
  let bareServer: Server | undefined;
  try {
    console.log(`gitlab-scim-bridge benchmark: node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? "unknown"}), load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(`${fmt(SIZES.users)} users, ${fmt(SIZES.groups)} groups × ${SIZES.membersPerGroup} members; autocannon ${CONNECTIONS} connections × ${DURATION} s per scenario, in a child process, each after a bare Express run of its own\n`);

    const bare = express();
    bare.disable("x-powered-by");
    bare.get("/bare", (_req, res) => {
      res.json({ status: "ok" });
    });
    const bareListening = await listen(bare);
    bareServer = bareListening.server;
    // The bridge's GitLab, outside the bridge: without GITLAB_URL it would run the bundled emulator in
    // its own process, which production does not.
    gitlab = await startGitLabEmulator({ port: 0, host: "127.0.0.1" });

    // Like an IdP that provisioned earlier: the directory is in the database before this bridge starts.
    const prepareStart = Date.now();
    const directory = await prepareDataDir(dataDir);
    console.log(`DATA_DIR prepared by bench/prepare.js in a child process (created, migrated, seeded, ANALYZE) in ${fmt((Date.now() - prepareStart) / 1000, 1)} s`);

    const started = Date.now();
    bridge = await startBridgeProcess({
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      GITLAB_URL: gitlab.url,
      GITLAB_TOKEN: gitlab.adminToken,
    });
    const startRss = procStatusBytes(bridge.pid, "VmRSS");
    console.log(`bridge started as its own process (node ${SERVER_ARGS.join(" ")}, pid ${bridge.pid}) on the prepared embedded PGlite in ${fmt((Date.now() - started) / 1000, 1)} s, RSS ${fmt(startRss / MB)} MB`);
    console.log("");

    const auth = { Authorization: `Bearer ${directory.token}`, "Content-Type": "application/scim+json" };
    const users = directory.users;
    const shuffled = <T>(items: T[]) => items.map((item) => ({ item, key: Math.random() })).sort((a, b) => a.key - b.key).map((x) => x.item);
    const scenarios: Scenario[] = [
      {
        name: LOOKUP,
        spec: {
          method: "GET",
          headers: auth,
          pathTemplate: "/scim/v2/Users?filter={filter}",
          items: shuffled(users).map((u) => ({ filter: `userName eq "${u.userName}"` })),
        },
        target: { minRatio: 0.25, maxP99Ms: 50 },
      },
      {
        name: "POST /Users",
        spec: { method: "POST", headers: auth, pathTemplate: "/scim/v2/Users", bodyTemplate: JSON.stringify(benchUserResource(0, `post-${Date.now()}-{n}-`)) },
        target: { minRatio: 0.1 },
      },
      {
        name: "PATCH /Users/{id} active=false",
        spec: {
          method: "PATCH",
          headers: auth,
          pathTemplate: "/scim/v2/Users/{id}",
          bodyTemplate: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] }),
          items: shuffled(users).map((u) => ({ id: u.id })),
        },
        target: { minRatio: 0.1 },
      },
      {
        name: "PATCH /Groups/{id} add member",
        spec: {
          method: "PATCH",
          headers: auth,
          pathTemplate: "/scim/v2/Groups/{group}",
          bodyTemplate: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: "{user}" }] }] }),
          // Pairs of a group and a user who is not yet in it (seed members are consecutive users).
          items: shuffled(directory.groups.flatMap((g, i) => [0, 1, 2, 3, 4].map((k) => ({ group: g.id, user: users[(i * 7919 + k * 104_729 + users.length / 2) % users.length].id })))).filter(
            (pair) => !directory.groups.find((g) => g.id === pair.group)!.memberIds.includes(pair.user),
          ),
        },
        target: { minRatio: 0.1 },
      },
      ...largeTenantScenarios(directory.large),
    ];
    const only = process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, "i") : undefined;
    const measured = scenarios.filter((s) => !only || only.test(s.name));

    // Warm up every path under the measured load, outside the measurements: after 1 s at 2
    // connections the first measured scenario still ran ~20% slower than a second run of itself
    // (V8 was still optimising, WebAssembly still tiering up). Warm-ups take their items from the
    // far end of each list, so a measured write never lands on a user or group a warm-up already
    // changed (that would be a no-op, cheaper than the write being measured).
    for (const scenario of measured.filter((s) => s.warm !== false)) {
      await runLoad({
        ...scenario.spec,
        url: bridge.url,
        connections: CONNECTIONS,
        durationSeconds: WARMUP,
        bodyTemplate: scenario.spec.bodyTemplate?.replace("{n}", "warm{n}"),
        items: scenario.spec.items && [...scenario.spec.items].reverse(),
      });
      await drained(bridge.url);
    }
    const warmRss = procStatusBytes(bridge.pid, "VmRSS");

    const rows: Row[] = [];
    for (const scenario of measured) {
      const bareRun = await runLoad({ method: "GET", headers: {}, pathTemplate: "/bare", url: bareListening.url, connections: CONNECTIONS, durationSeconds: DURATION });
      const { value: result, peak } = await withRssPeak(bridge.pid, () => runLoad({ ...scenario.spec, url: bridge!.url, connections: CONNECTIONS, durationSeconds: DURATION }));
      rows.push({ name: scenario.name, result, bare: bareRun, peakRssBytes: peak, target: scenario.target });
      await drained(bridge.url);
      console.log(`  ${scenario.name}: ${fmt(result.requestsPerSecond)} req/s, p99 ${fmt(result.latencyP99Ms, 1)} ms, status ${JSON.stringify(result.statusCodes)}; bare Express GET just before: ${fmt(bareRun.requestsPerSecond)} req/s`);
    }
    // Read while the process lives: its peak resident set over its whole life, start-up included.
    const lifetimePeak = procStatusBytes(bridge.pid, "VmHWM");
    const scenarioPeak = Math.max(...rows.map((r) => r.peakRssBytes));
    console.log("");
    printTable(rows);
    console.log(`\nbridge process RSS (VmRSS sampled every 100 ms): ${fmt(startRss / MB)} MB after start, ${fmt(warmRss / MB)} MB after warm-up, peak ${fmt(scenarioPeak / MB)} MB during the scenarios`);
    console.log(`bridge process peak RSS over its whole life (VmHWM, start-up included): ${fmt(lifetimePeak / MB)} MB (target <${fmt(RSS_TARGET / MB)} MB: ${lifetimePeak < RSS_TARGET ? "pass" : "FAIL"})`);
    const failed = rows.filter((row) => verdict(row, rows).startsWith("FAIL") || verdict(row, rows).startsWith("INVALID")).map((r) => r.name);
    if (lifetimePeak >= RSS_TARGET) failed.push("RSS");
    console.log(failed.length ? `targets missed: ${failed.join("; ")}` : "all targets met");

    const stopped = await bridge.stop();
    bridge = undefined;
    if (stopped !== 0) console.log(`(the bridge exited with ${stopped} on SIGTERM, not 0)`);
    await gitlab.close();
    gitlab = undefined;

    await emulatorRows();
    for (const name of Object.keys(CHILD_BENCHES) as ChildBench[]) {
      const exit = await childBench(name);
      if (exit !== 0) console.log(`(bench/${CHILD_BENCHES[name]} exited with ${exit})`);
    }
  } finally {
    await bridge?.stop();
    await gitlab?.close();
    await new Promise<void>((resolve) => (bareServer ? bareServer.close(() => resolve()) : resolve()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

async function run(): Promise<void> {
  const only = onlyOption(process.argv.slice(2));
  if (only) {
    const code = await childBench(only);
    if (code !== 0) throw new Error(`bench/${CHILD_BENCHES[only]} exited with ${code}`);
    return;
  }
  await main();
}

run().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
