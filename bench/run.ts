/**
 * `npm run bench`: the SCIM hot paths of a fresh PGlite-backed bridge, measured against a bare Express
 * endpoint in the same run on the same machine, so the figures are ratios that survive a change of
 * hardware. Not a test: it prints a table and marks the targets of issue 2 pass/fail.
 *
 *   1. start the bridge in this process (startBridge, embedded PGlite in a temporary DATA_DIR, info
 *      logs written to the null device) and a bare Express app beside it
 *   2. seed 10,000 users and 1,000 groups of 10 members (bench/seed.ts)
 *   3. for each scenario, run autocannon (10 connections, 5 s) in a child process (bench/load.ts)
 *      while sampling this process's RSS
 *   4. print req/s, p50/p99, peak RSS and req/s ÷ bare, then the GitLab emulator's rows if present
 *
 * Sizes and durations can be shrunk for a quick look: BENCH_USERS, BENCH_GROUPS, BENCH_MEMBERS,
 * BENCH_DURATION (seconds), BENCH_CONNECTIONS.
 */
import { execFile, spawn } from "node:child_process";
import fs from "node:fs";
import type { Server } from "node:http";
import os from "node:os";
import path from "node:path";
import express from "express";
import pino from "pino";
import { loadConfig } from "../src/config";
import { createConnection } from "../src/connections/connections";
import { startBridge, type RunningBridge } from "../src/main";
import { createLogger } from "../src/observability/logger";
import type { LoadResult, LoadSpec } from "./load";
import { benchUserResource, seedDirectory } from "./seed";

const env = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
};

const SIZES = { users: env("BENCH_USERS", 10_000), groups: env("BENCH_GROUPS", 1_000), membersPerGroup: env("BENCH_MEMBERS", 10) };
const DURATION = env("BENCH_DURATION", 5);
const CONNECTIONS = env("BENCH_CONNECTIONS", 10);
const MB = 1024 * 1024;
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

interface Target {
  minRatio?: number;
  maxP99Ms?: number;
}

interface Scenario {
  name: string;
  spec: Omit<LoadSpec, "url" | "connections" | "durationSeconds">;
  target?: Target;
}

interface Row {
  name: string;
  result: LoadResult;
  peakRssBytes: number;
  target?: Target;
}

/** Peak RSS of this process (the bridge) while `work` runs. */
async function withRssPeak<T>(work: () => Promise<T>): Promise<{ value: T; peak: number }> {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100);
  try {
    const value = await work();
    return { value, peak: Math.max(peak, process.memoryUsage.rss()) };
  } finally {
    clearInterval(timer);
  }
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

function verdict(row: Row, bare: number): string {
  if (row.result.non2xx > 0 || row.result.errors > 0) return "INVALID (errors)";
  if (!row.target) return "";
  const checks: string[] = [];
  if (row.target.minRatio !== undefined) checks.push(row.result.requestsPerSecond / bare >= row.target.minRatio ? "pass" : "FAIL");
  if (row.target.maxP99Ms !== undefined) checks.push(row.result.latencyP99Ms < row.target.maxP99Ms ? "pass" : "FAIL");
  return checks.includes("FAIL") ? "FAIL" : "pass";
}

function targetText(target?: Target): string {
  if (!target) return "baseline";
  const parts = [];
  if (target.minRatio !== undefined) parts.push(`≥${target.minRatio}× bare`);
  if (target.maxP99Ms !== undefined) parts.push(`p99 <${target.maxP99Ms} ms`);
  return parts.join(", ");
}

function printTable(rows: Row[]): void {
  const bare = rows[0].result.requestsPerSecond;
  const header = ["scenario", "req/s", "× bare", "p50 ms", "p99 ms", "requests", "non-2xx", "peak RSS MB", "target", "result"];
  const lines = rows.map((row) => [
    row.name,
    fmt(row.result.requestsPerSecond),
    fmt(row.result.requestsPerSecond / bare, 3),
    fmt(row.result.latencyP50Ms, 1),
    fmt(row.result.latencyP99Ms, 1),
    fmt(row.result.requests),
    fmt(row.result.non2xx + row.result.errors),
    fmt(row.peakRssBytes / MB),
    targetText(row.target),
    verdict(row, bare),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const print = (cells: string[]) => console.log(cells.map((c, i) => (i === 0 || i >= 8 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "));
  print(header);
  print(widths.map((w) => "-".repeat(w)));
  lines.forEach(print);
}

/**
 * The GitLab emulator's own benchmark (bench/gitlab-emulator.ts), in a child process of its own: its
 * seeding-speed ratio would otherwise be measured inside this process's heap, grown by the bridge.
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

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "gsb-bench-"));
  let bridge: RunningBridge | undefined;
  let bareServer: Server | undefined;
  try {
    console.log(`gitlab-scim-bridge benchmark: node ${process.version}, ${os.cpus().length} CPU(s) (${os.cpus()[0]?.model ?? "unknown"}), load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
    console.log(`${fmt(SIZES.users)} users, ${fmt(SIZES.groups)} groups × ${SIZES.membersPerGroup} members; autocannon ${CONNECTIONS} connections × ${DURATION} s per scenario, in a child process\n`);

    const bare = express();
    bare.disable("x-powered-by");
    bare.get("/bare", (_req, res) => {
      res.json({ status: "ok" });
    });
    const bareListening = await listen(bare);
    bareServer = bareListening.server;

    // Create and migrate the embedded database the way an operator does (`gitlab-scim-bridge migrate`),
    // in a child process: PGlite's initdb keeps ~500 MB of wasm memory alive in the process that ran it,
    // which only the very first start of a new DATA_DIR pays; every later start opens an existing one.
    const prepared = Date.now();
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [path.join(__dirname, "..", "src", "cli", "main.js"), "migrate"], { env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: "" } }, (error, _stdout, stderr) =>
        error ? reject(new Error(`gitlab-scim-bridge migrate failed: ${stderr || error.message}`)) : resolve(),
      );
    });
    console.log(`DATA_DIR created and migrated by \`gitlab-scim-bridge migrate\` in ${fmt((Date.now() - prepared) / 1000, 1)} s`);
    const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, LOG_LEVEL: "info" });
    // Logs are produced and serialised as in production, then dropped, so they cost what they cost.
    const logger = createLogger(config.logLevel, pino.destination({ dest: os.devNull, sync: false }));
    const started = Date.now();
    bridge = await startBridge(config, logger);
    const connection = await createConnection(bridge.db.prisma, { name: "bench", idp: "generic", actor: "bench" });
    console.log(`bridge started on embedded PGlite (${dataDir}) in ${fmt((Date.now() - started) / 1000, 1)} s`);

    const seedStart = Date.now();
    const { value: directory, peak: seedPeak } = await withRssPeak(() => seedDirectory(bridge!.db, connection.id, SIZES));
    console.log(`seeded in ${fmt((Date.now() - seedStart) / 1000, 1)} s (peak RSS ${fmt(seedPeak / MB)} MB)`);
    // The running bridge re-analyzes changed tables within 30 s (src/db/pglite-maintenance.ts); the
    // benchmark measures it as it runs from then on, not during those first seconds after a bulk load.
    await bridge.db.sql.exec("ANALYZE");
    console.log("ANALYZE after seeding (the bridge's maintenance does the same within 30 s)");
    console.log("");

    const auth = { Authorization: `Bearer ${connection.token.token}`, "Content-Type": "application/scim+json" };
    const users = directory.users;
    const shuffled = <T>(items: T[]) => items.map((item) => ({ item, key: Math.random() })).sort((a, b) => a.key - b.key).map((x) => x.item);
    const scenarios: Scenario[] = [
      { name: "bare Express GET", spec: { method: "GET", headers: {}, pathTemplate: "/bare" } },
      {
        name: 'GET /Users?filter=userName eq "…"',
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
    ];

    // Warm up the JIT and the database caches on every path once, outside the measurements.
    for (const scenario of scenarios.slice(1)) {
      const base = scenario.name.startsWith("POST") ? 0 : 1;
      await runLoad({ ...scenario.spec, url: bridge.url, connections: 2, durationSeconds: 1, pathTemplate: scenario.spec.pathTemplate, bodyTemplate: scenario.spec.bodyTemplate?.replace("{n}", `warm{n}`), items: scenario.spec.items?.slice(base) });
    }

    const rows: Row[] = [];
    for (const scenario of scenarios) {
      const url = scenario.name.startsWith("bare") ? bareListening.url : bridge.url;
      const { value: result, peak } = await withRssPeak(() => runLoad({ ...scenario.spec, url, connections: CONNECTIONS, durationSeconds: DURATION }));
      rows.push({ name: scenario.name, result, peakRssBytes: peak, target: scenario.target });
      console.log(`  ${scenario.name}: ${fmt(result.requestsPerSecond)} req/s, p99 ${fmt(result.latencyP99Ms, 1)} ms, status ${JSON.stringify(result.statusCodes)}`);
    }
    console.log("");
    printTable(rows);
    const peakRss = Math.max(seedPeak, ...rows.map((r) => r.peakRssBytes));
    console.log(`\npeak RSS of the bridge process over the whole run: ${fmt(peakRss / MB)} MB (target <300 MB: ${peakRss < 300 * MB ? "pass" : "FAIL"})`);
    const bareRps = rows[0].result.requestsPerSecond;
    const failed = rows.filter((row) => verdict(row, bareRps).startsWith("FAIL") || verdict(row, bareRps).startsWith("INVALID")).map((r) => r.name);
    if (peakRss >= 300 * MB) failed.push("RSS");
    console.log(failed.length ? `targets missed: ${failed.join("; ")}` : "all targets met");

    await emulatorRows();
  } finally {
    await bridge?.stop();
    await new Promise<void>((resolve) => (bareServer ? bareServer.close(() => resolve()) : resolve()));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
