/**
 * Issue 10's benchmark: the user reconcilers against a GitLab that takes BENCH_GITLAB_LATENCY_MS (20) per
 * call, each figure printed as a ratio to a baseline measured in the same run.
 *
 *   (b) initial sync: BENCH_SYNC_USERS (10,000) users reach the bridge over SCIM while GitLab is down (the
 *       work waits in the queue), the bridge stops; a fresh bridge process on that DATA_DIR (default
 *       settings, fsync durability) then syncs them to the emulator, now up.
 *       - GitLab calls per user against the minimum (1 POST /users per new user), target ≤ 1.2×;
 *       - users per second against the pace the emulator allows at that latency and GITLAB_CONCURRENCY:
 *         measured in this run by GITLAB_CONCURRENCY loops of POST /users sent straight to a second
 *         emulator with the same latency from a process of their own, as the bridge is (emulator-pace.ts;
 *         in theory concurrency / latency), target ≥ 0.8×;
 *       - the syncing bridge's CPU time per user (Linux /proc), printed with the progress: the one
 *         bridge process is what bounds the pace, and CPU time is what another load on a shared
 *         machine distorts least, so it is the figure to compare between runs there.
 *   (a) offboarding latency: from the SCIM PATCH active:false answer to GitLab answering the block (the
 *       emulator's answer hook, in this process, on the same clock as the SCIM answer), p50 and p99 over
 *       BENCH_OFFBOARD_USERS (200) users offboarded one after the other, target p99 < 200 ms; then again
 *       while BENCH_OFFBOARD_LOAD_USERS (1,000) other users are being created (POSTed over SCIM and
 *       reconciled) at the same time. Baseline: the round trip of one block call sent straight to the
 *       second emulator.
 *
 * Run alone with `npm run bench -- --only reconcile` (or `node dist/bench/reconcile.js` after a build);
 * `npm run bench` runs it after the SCIM rows. Sizes can be shrunk for a quick look with the BENCH_* knobs
 * above and BENCH_GITLAB_CONCURRENCY (8); BENCH_DATABASE_URL runs the bridge on PostgreSQL (bench-database.ts).
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { startGitLabEmulator, type GitLabEmulator, type RecordedResponse } from "../tools/gitlab-emulator";
import { benchDatabase } from "./bench-database";
import { ROOT, startBridgeProcess, type BridgeProcess } from "./bridge-process";
import { measureEmulatorPace } from "./emulator-pace";
import { benchNumber, benchUserResource } from "./seed";

const LATENCY_MS = benchNumber("BENCH_GITLAB_LATENCY_MS", 20);
const CONCURRENCY = benchNumber("BENCH_GITLAB_CONCURRENCY", 8);
const SYNC_USERS = benchNumber("BENCH_SYNC_USERS", 10_000);
const OFFBOARD_USERS = benchNumber("BENCH_OFFBOARD_USERS", 200);
const LOAD_USERS = benchNumber("BENCH_OFFBOARD_LOAD_USERS", 1_000);
/** SCIM requests in flight while loading users (an IdP's sync pushes several at once). */
const SCIM_CONCURRENCY = 8;
/** A wait that sees no progress for this long gives up (the bridge is not reconciling). */
const STALL_MS = 60_000;
const OFFBOARD_DEADLINE_MS = 60_000;
const PROVIDER = "saml";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/** Calls a bridge makes at start-up or to probe GitLab's health, not for a subject. */
export const INSTANCE_ROUTES = new Set(["/api/v4/user", "/api/v4/metadata", "/api/v4/version"]);
const OFFBOARDING_ROUTES = /^\/api\/v4\/users\/\{id\}\/(block|deactivate|ban)$/;

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Resolves when `predicate` holds, checked on every GitLab answer; rejects after `ms`. */
export class AnswerWatch {
  private readonly waiters = new Set<{ test: (r: RecordedResponse) => boolean; resolve: (at: number) => void }>();

  /** The emulator's onResponse hook: answers in order, the moment they leave. */
  readonly hook = (r: RecordedResponse) => {
    const at = performance.now();
    for (const w of this.waiters) {
      if (w.test(r)) {
        this.waiters.delete(w);
        w.resolve(at);
      }
    }
    for (const listener of this.listeners) listener(r, at);
  };

  readonly listeners = new Set<(r: RecordedResponse, at: number) => void>();

  /** performance.now() of the first answer matching `test` from now on. */
  next(test: (r: RecordedResponse) => boolean, ms: number, what: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const waiter = {
        test,
        resolve: (at: number) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no ${what} within ${ms} ms`));
      }, ms);
      this.waiters.add(waiter);
    });
  }
}

export function runCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(ROOT, "dist", "src", "cli", "main.js"), ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) =>
      error ? reject(new Error(`gitlab-scim-bridge ${args.join(" ")}: ${stderr || error.message}`)) : resolve(stdout),
    );
  });
}

export class ScimSender {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async send(method: string, p: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(`${this.url}/scim/v2${p}`, {
      method,
      headers: { authorization: `Bearer ${this.token}`, "content-type": "application/scim+json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`SCIM ${method} ${p} answered ${res.status}: ${text.slice(0, 300)}`);
    return { status: res.status, json: JSON.parse(text) as Record<string, unknown> };
  }

  async create(n: number, prefix: string): Promise<string> {
    return String((await this.send("POST", "/Users", benchUserResource(n, prefix))).json.id);
  }

  async deactivate(id: string): Promise<void> {
    await this.send("PATCH", `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
  }

  /** Creates users n = from … from+count-1 with SCIM_CONCURRENCY requests in flight; returns their SCIM ids in order. */
  async createMany(from: number, count: number, prefix: string, concurrency = SCIM_CONCURRENCY, onCreated?: () => void): Promise<string[]> {
    const ids: string[] = new Array(count);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let i = next++; i < count; i = next++) {
          ids[i] = await this.create(from + i, prefix);
          onCreated?.();
        }
      }),
    );
    return ids;
  }
}

/** The GitLab user the bridge made for bench user n of `prefix`, found by the identity it carries. */
function gitlabUserOf(emulator: GitLabEmulator, n: number, prefix: string): number | undefined {
  const externUid = benchUserResource(n, prefix).externalId as string;
  return emulator.state.findUserByIdentity(PROVIDER, externUid)?.id;
}

/**
 * Waits until `done()`, printing `progress()` every 10 s; gives up when progress() has not changed for
 * STALL_MS (a bridge that does not reconcile should not hold the benchmark for long).
 */
export async function waitUntil(what: string, done: () => boolean, progress: () => string): Promise<void> {
  let last = progress();
  let changedAt = Date.now();
  let printedAt = Date.now();
  while (!done()) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = progress();
    if (now !== last) [last, changedAt] = [now, Date.now()];
    if (Date.now() - changedAt > STALL_MS) throw new Error(`${what}: no progress for ${STALL_MS / 1000} s (${now})`);
    if (Date.now() - printedAt >= 10_000) {
      console.log(`  … ${now}`);
      printedAt = Date.now();
    }
  }
}

/**
 * The baselines, measured now on this machine: a second emulator with the same latency, sent
 * CONCURRENCY loops of POST /users from a process of their own (emulator-pace.ts: the pace GitLab
 * allows), and single block calls from here one after the other (the least an offboarding can take).
 */
export async function measureBaselines(): Promise<{ createsPerSecond: number; blockP50Ms: number; blockP99Ms: number }> {
  const emulator = await startGitLabEmulator({ port: 0, requestLogLimit: 1_000 });
  try {
    emulator.faults.set({ latency: { fixedMs: LATENCY_MS } });
    // About five seconds of calls in theory, after a warm-up of one second's.
    const perSecond = (1_000 / LATENCY_MS) * CONCURRENCY;
    const createsPerSecond = await measureEmulatorPace(emulator.url, emulator.adminToken, Math.max(500, Math.round(5 * perSecond)), CONCURRENCY, Math.round(perSecond));
    const ids = [...emulator.state.usersById.values()].filter((u) => u.username.startsWith("base")).map((u) => u.id);
    const blocks: number[] = [];
    for (const id of ids.slice(0, OFFBOARD_USERS)) {
      const t0 = performance.now();
      const res = await fetch(`${emulator.url}/api/v4/users/${id}/block`, { method: "POST", headers: { "private-token": emulator.adminToken } });
      await res.text();
      if (res.status >= 300) throw new Error(`baseline POST /users/${id}/block: ${res.status}`);
      blocks.push(performance.now() - t0);
    }
    blocks.sort((a, b) => a - b);
    return { createsPerSecond, blockP50Ms: percentile(blocks, 50), blockP99Ms: percentile(blocks, 99) };
  } finally {
    await emulator.close();
  }
}

interface SyncResult {
  users: number;
  seconds: number;
  usersPerSecond: number;
  calls: number;
  byRoute: Map<string, number>;
}

/**
 * (b) The initial sync: load SYNC_USERS over SCIM into a bridge whose GitLab is down, stop it, and time a
 * fresh process from its start until GitLab has answered the last POST /users.
 */
async function initialSync(emulator: GitLabEmulator, watch: AnswerWatch, env: Record<string, string>, token: string, loader: BridgeProcess): Promise<{ result: SyncResult; bridge: BridgeProcess }> {
  emulator.faults.set({ outage: { status: 503, durationMs: 24 * 3_600_000 }, latency: { fixedMs: LATENCY_MS } });
  const loadStart = performance.now();
  let created = 0;
  const progress = setInterval(() => console.log(`  … loaded ${fmt(created)} / ${fmt(SYNC_USERS)} users over SCIM`), 10_000);
  try {
    await new ScimSender(loader.url, token).createMany(0, SYNC_USERS, "sync", SCIM_CONCURRENCY, () => created++);
  } finally {
    clearInterval(progress);
  }
  console.log(`  loaded ${fmt(SYNC_USERS)} users over SCIM in ${fmt((performance.now() - loadStart) / 1000, 1)} s while GitLab was down; stopping that bridge`);
  const stopped = await loader.stop();
  if (stopped !== 0) console.log(`  (the loading bridge exited with ${stopped} on SIGTERM, not 0)`);

  emulator.faults.set({ latency: { fixedMs: LATENCY_MS } });
  const seqBefore = emulator.requests.list().at(-1)?.seq ?? 0;
  let creates = 0;
  let lastCreateAt = 0;
  let firstCallAt = Infinity;
  const listener = (r: RecordedResponse, at: number) => {
    // The sync starts at the "listening" line, or at the first call for a subject if the workers start
    // earlier (that call was sent LATENCY_MS before its answer).
    if (r.route?.startsWith("/api/v4") && !INSTANCE_ROUTES.has(r.route)) firstCallAt = Math.min(firstCallAt, at - LATENCY_MS);
    if (r.method === "POST" && r.route === "/api/v4/users" && r.status === 201) {
      creates++;
      lastCreateAt = at;
    }
  };
  watch.listeners.add(listener);
  const startedAt = performance.now();
  const bridge = await startBridgeProcess({ ...env, PGLITE_DURABILITY: "fsync" });
  const listeningAt = performance.now();
  console.log(`  syncing bridge started in ${fmt((listeningAt - startedAt) / 1000, 1)} s`);
  const cpuBefore = processCpuMs(bridge.pid);
  try {
    await waitUntil(`GitLab creating ${SYNC_USERS} users`, () => creates >= SYNC_USERS, () => `GitLab has created ${fmt(creates)} / ${fmt(SYNC_USERS)} users`);
  } finally {
    watch.listeners.delete(listener);
  }
  const cpuAfter = processCpuMs(bridge.pid);
  if (cpuBefore !== null && cpuAfter !== null) {
    // CPU time is what a busy machine distorts least: the figure to compare between runs on a shared machine.
    console.log(`  syncing bridge CPU: ${fmt((cpuAfter - cpuBefore) / SYNC_USERS, 2)} ms per user (${fmt((cpuAfter - cpuBefore) / 1000, 1)} s for ${fmt(SYNC_USERS)} users)`);
  }
  const seconds = (lastCreateAt - Math.min(listeningAt, firstCallAt)) / 1000;
  const calls = emulator.requests.list({ since: seqBefore }).filter((r) => r.route !== null && !INSTANCE_ROUTES.has(r.route));
  const byRoute = new Map<string, number>();
  for (const r of calls) byRoute.set(`${r.method} ${r.route}`, (byRoute.get(`${r.method} ${r.route}`) ?? 0) + 1);
  return { result: { users: SYNC_USERS, seconds, usersPerSecond: SYNC_USERS / seconds, calls: calls.length, byRoute }, bridge };
}

interface OffboardResult {
  latencies: number[];
  /** Offboardings whose block GitLab answered before the SCIM answer had arrived here (counted as 0 ms). */
  beforeAnswer: number;
  /** Offboardings made while the load's users were still being created (POSTed or not yet in GitLab). */
  duringLoad: number;
}

/** (a) Offboards `ids` (bench users from..from+n-1 of `prefix`) one after the other, timing each. */
async function offboard(emulator: GitLabEmulator, watch: AnswerWatch, scim: ScimSender, ids: string[], from: number, prefix: string, loadRunning: () => boolean): Promise<OffboardResult> {
  const latencies: number[] = [];
  let beforeAnswer = 0;
  let duringLoad = 0;
  for (let i = 0; i < ids.length; i++) {
    const gitlabId = gitlabUserOf(emulator, from + i, prefix);
    if (gitlabId === undefined) throw new Error(`bench user ${prefix}${from + i} has no GitLab user`);
    const path = new RegExp(`^/api/v4/users/${gitlabId}/(block|deactivate|ban)$`);
    const done = watch.next((r) => r.method === "POST" && OFFBOARDING_ROUTES.test(r.route ?? "") && path.test(r.path) && r.status === 201, OFFBOARD_DEADLINE_MS, `offboarding of GitLab user ${gitlabId}`);
    if (loadRunning()) duringLoad++;
    await scim.deactivate(ids[i]);
    const answeredAt = performance.now();
    const blockedAt = await done;
    if (blockedAt < answeredAt) beforeAnswer++;
    latencies.push(Math.max(0, blockedAt - answeredAt));
  }
  latencies.sort((a, b) => a - b);
  return { latencies, beforeAnswer, duringLoad };
}

/** A process's CPU time (user + system) in ms, from /proc (Linux); null elsewhere. */
function processCpuMs(pid: number): number | null {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return null;
  }
}

/** The rows (scenario, measured, baseline, ratio, target, result) as an aligned table, numbers right-aligned. */
export function printResultTable(rows: string[][]): void {
  const header = ["scenario", "measured", "baseline (same run)", "ratio", "target", "result"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const print = (cells: string[]) => console.log(`  ${cells.map((c, i) => (i === 1 || i === 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ")}`);
  console.log("");
  print(header);
  print(widths.map((w) => "-".repeat(w)));
  rows.forEach(print);
}

/** The last line of a result table's report: the targets missed, by name, or that all were met. */
export function printTargetsLine(rows: string[][]): void {
  const failed = rows.filter((r) => r[5] === "FAIL").map((r) => r[0]);
  console.log(failed.length ? `  targets missed: ${failed.join("; ")}` : "  all targets met");
}

/** Runs a benchmark's main as its process: exit 0, or 1 with the error printed. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

export function verdict(pass: boolean): string {
  return pass ? "pass" : "FAIL";
}

async function main(): Promise<void> {
  const database = await benchDatabase("reconcile");
  const watch = new AnswerWatch();
  const emulator = await startGitLabEmulator({ port: 0, requestLogLimit: 1_000_000, onResponse: watch.hook });
  const bridges: BridgeProcess[] = [];
  // Interrupted: the bridges go with us (they would otherwise hold their DATA_DIR and port).
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const b of bridges) b.child.kill("SIGKILL");
      process.exit(130);
    });
  }
  try {
    console.log(`\nGitLab reconciliation (bench/reconcile.ts): emulator at ${LATENCY_MS} ms per call, GITLAB_CONCURRENCY ${CONCURRENCY}, ${database.label}`);
    const baselines = await measureBaselines();
    const theoretical = CONCURRENCY / (LATENCY_MS / 1000);
    console.log(`  baselines, measured now: POST /users straight to the emulator ×${CONCURRENCY} at once: ${fmt(baselines.createsPerSecond)}/s (in theory ${fmt(theoretical)}/s); one block call: p50 ${fmt(baselines.blockP50Ms, 1)} ms, p99 ${fmt(baselines.blockP99Ms, 1)} ms`);

    emulator.faults.set({ latency: { fixedMs: LATENCY_MS } });
    const env: Record<string, string> = {
      ...database.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      GITLAB_URL: emulator.url,
      GITLAB_TOKEN: emulator.adminToken,
      GITLAB_CONCURRENCY: String(CONCURRENCY),
    };
    // The loading bridge commits without fsync: only the loading is faster, the measured bridge fsyncs.
    const loader = await startBridgeProcess({ ...env, PGLITE_DURABILITY: "off" });
    bridges.push(loader);
    const token = (JSON.parse(await runCli(["connection", "create", "--name", "bench-reconcile", "--idp", "entra", "--json"], env)) as { token: string }).token;

    const { result: sync, bridge } = await initialSync(emulator, watch, env, token, loader);
    bridges.push(bridge);

    const scim = new ScimSender(bridge.url, token);
    // Users to offboard, created and synced first (quiet, then under load).
    const quietIds = await scim.createMany(0, OFFBOARD_USERS, "quiet");
    const loadedIds = await scim.createMany(0, OFFBOARD_USERS, "loaded");
    const synced = (ids: string[], prefix: string) => ids.every((_, i) => gitlabUserOf(emulator, i, prefix) !== undefined);
    const syncedCount = () => [...quietIds.map((_, i) => gitlabUserOf(emulator, i, "quiet")), ...loadedIds.map((_, i) => gitlabUserOf(emulator, i, "loaded"))].filter((id) => id !== undefined).length;
    await waitUntil("GitLab creating the users to offboard", () => synced(quietIds, "quiet") && synced(loadedIds, "loaded"), () => `${syncedCount()} / ${2 * OFFBOARD_USERS} users to offboard in GitLab`);
    const quiet = await offboard(emulator, watch, scim, quietIds, 0, "quiet", () => false);

    let loadPosted = 0;
    let loadPosting = true;
    const load = scim.createMany(0, LOAD_USERS, "load", 4, () => loadPosted++).finally(() => (loadPosting = false));
    const loadInGitLab = () => emulator.state.findUserByIdentity(PROVIDER, benchUserResource(LOAD_USERS - 1, "load").externalId as string) !== undefined;
    const loaded = await offboard(emulator, watch, scim, loadedIds, 0, "loaded", () => loadPosting || !loadInGitLab());
    await load;

    const minimumCalls = sync.users; // one POST /users per new user
    const callsRatio = sync.calls / minimumCalls;
    const paceRatio = sync.usersPerSecond / baselines.createsPerSecond;
    const row = (cells: string[]) => cells;
    const rows = [
      row(["initial sync: GitLab calls per user", fmt(sync.calls / sync.users, 3), "1 (one POST /users per new user)", `${fmt(callsRatio, 3)}×`, "≤ 1.2×", verdict(callsRatio <= 1.2)]),
      row(["initial sync: users per second", fmt(sync.usersPerSecond), `${fmt(baselines.createsPerSecond)}/s emulator pace (theory ${fmt(theoretical)})`, `${fmt(paceRatio, 3)}×`, "≥ 0.8×", verdict(paceRatio >= 0.8)]),
    ];
    for (const [name, r] of [["offboarding, quiet", quiet], [`offboarding, ${fmt(LOAD_USERS)} users being created`, loaded]] as const) {
      const p50 = percentile(r.latencies, 50);
      const p99 = percentile(r.latencies, 99);
      rows.push(row([`${name}: p50 / p99 ms`, `${fmt(p50, 1)} / ${fmt(p99, 1)}`, `${fmt(baselines.blockP50Ms, 1)} / ${fmt(baselines.blockP99Ms, 1)} one block call`, `${fmt(p99 / baselines.blockP99Ms, 2)}× (p99)`, "p99 < 200 ms", verdict(p99 < 200)]));
    }
    printResultTable(rows);
    console.log(`\n  initial sync: ${fmt(sync.users)} users in ${fmt(sync.seconds, 1)} s; GitLab calls by route: ${[...sync.byRoute].map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`);
    console.log(`  offboarding: ${OFFBOARD_USERS} users each, one after the other; under load ${loaded.duringLoad}/${OFFBOARD_USERS} offboardings started while the ${fmt(LOAD_USERS)} creates were still being posted or reconciled; blocks answered before the SCIM answer arrived (counted as 0 ms): quiet ${quiet.beforeAnswer}, under load ${loaded.beforeAnswer}`);
    printTargetsLine(rows);
  } finally {
    for (const b of bridges) await b.stop();
    await emulator.close();
    await database.remove();
  }
}

if (require.main === module) runMain(main);
