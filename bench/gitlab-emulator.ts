/**
 * Benchmark of the GitLab emulator (issue 3, "Performance"): with 100,000 users and 5,000 groups loaded,
 * a member lookup and a user lookup by username must answer at ≥ 0.5× the rate of a bare node:http
 * endpoint measured in the same run, and seeding 100,000 users must take ≤ 10× building the same objects
 * in a plain loop. The load generator (autocannon, 10 connections) runs in a child process so that it
 * does not share the event loop with the server under test; after a short unmeasured warm-up of each, the
 * three targets are measured in turn for several rounds and the medians reported, so a burst of other
 * work on the machine hits all of them.
 *
 * Run alone: npx tsx bench/gitlab-emulator.ts
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { execFile } from "node:child_process";
import { performance } from "node:perf_hooks";
import { startGitLabEmulator, type Seed } from "../tools/gitlab-emulator";

export interface BenchRow {
  benchmark: string;
  /** Requests per second, or milliseconds for timing rows. */
  value: number;
  unit: "req/s" | "ms";
  p50Ms?: number;
  p99Ms?: number;
  /** value ÷ baseline: for req/s higher is better, for ms it is how many times slower than the baseline. */
  ratio: number | null;
  target: string;
  pass: boolean | null;
}

const USERS = 100_000;
const GROUPS = 5_000;
const MEMBERS_PER_GROUP = 20;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 2);
/** Rounds of (bare, member, user) measured in turn; medians absorb a machine busy with other work. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 10;

interface CannonResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}

/** Unmeasured load on every target before the rounds, so that no target's first round pays for the JIT. */
const WARMUP_S = 1;

/** autocannon in its own process; JSON result on stdout. */
function cannon(url: string, headers: Record<string, string> = {}, durationS = DURATION_S): Promise<CannonResult> {
  const bin = require.resolve("autocannon/autocannon.js");
  const args = [bin, "-c", String(CONNECTIONS), "-d", String(durationS), "-j"];
  for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}=${v}`);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(JSON.parse(stdout) as CannonResult);
    });
  });
}

function usersSeed(): Seed["users"] {
  return Array.from({ length: USERS }, (_, i) => ({ username: `user${i}`, name: `User ${i}`, email: `user${i}@bench.example`, identities: [{ provider: "saml", externUid: `uid-${i}` }] }));
}

/** The plain-loop baseline: the same record objects seeding builds, without the store. */
function plainLoop(input: NonNullable<Seed["users"]>): unknown[] {
  const now = new Date().toISOString();
  const out: unknown[] = [];
  let id = 1000;
  for (const u of input) {
    out.push({
      id: id++, username: u.username, name: u.name ?? u.username, email: u.email ?? `${u.username}@example.com`, unconfirmedEmail: null,
      secondaryEmails: [], publicEmail: "", state: "active", userType: "human", isAdmin: false, external: false, canCreateGroup: true,
      projectsLimit: 100_000, privateProfile: false, note: null, bio: "", password: null, passwordExpired: false,
      identities: (u.identities ?? []).map((x) => ({ provider: x.provider, externUid: x.externUid })), namespaceId: id, createdById: null,
      createdAt: now, updatedAt: now, confirmedAt: now, lastActivityOn: null, currentSignInAt: null, lastSignInAt: null, customAttributes: {}, pendingDeletion: false,
    });
  }
  return out;
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

async function bareServer() {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function benchGitLabEmulator(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];

  // Seeding vs a plain loop; both warmed up once so that neither pays for the JIT alone.
  const input = usersSeed()!;
  plainLoop(input.slice(0, 10_000));
  const loopMs = Math.min(time(() => plainLoop(input)), time(() => plainLoop(input)));
  const warm = await startGitLabEmulator({ adminToken: "bench", requestLogLimit: 1_000 });
  warm.seed({ users: input.slice(0, 10_000).map((u) => ({ ...u, username: `w${u.username}`, email: `w${u.email}`, identities: [] })) });
  await warm.close();
  const emu = await startGitLabEmulator({ adminToken: "bench", requestLogLimit: 1_000 });
  const seedMs = time(() => emu.seed({ users: input }));
  rows.push({ benchmark: "seed 100,000 users (plain loop = baseline)", value: seedMs, unit: "ms", ratio: seedMs / loopMs, target: "≤ 10× plain loop", pass: seedMs / loopMs <= 10 });
  rows.push({ benchmark: "plain loop building the same 100,000 objects", value: loopMs, unit: "ms", ratio: 1, target: "baseline", pass: null });

  const groups: NonNullable<Seed["groups"]> = Array.from({ length: GROUPS }, (_, g) => ({
    path: `group${g}`,
    members: Array.from({ length: MEMBERS_PER_GROUP }, (_, k) => ({ username: `user${(g * MEMBERS_PER_GROUP + k) % USERS}`, accessLevel: 30 })),
  }));
  emu.seed({ groups });

  const bare = await bareServer();
  const auth = { "PRIVATE-TOKEN": emu.adminToken };
  const group = emu.state.findGroupByFullPath("group2500")!;
  const member = emu.state.findUserByUsername(`user${2500 * MEMBERS_PER_GROUP + 3}`)!;
  const targets = [
    { name: "bare node:http endpoint", url: bare.url, headers: {} },
    { name: "GET /api/v4/groups/:id/members/:user_id", url: `${emu.url}/api/v4/groups/${group.id}/members/${member.id}`, headers: auth },
    { name: "GET /api/v4/users?username=…", url: `${emu.url}/api/v4/users?username=user77777`, headers: auth },
  ];
  try {
    for (const t of targets) await cannon(t.url, t.headers, WARMUP_S);
    const results = targets.map(() => [] as CannonResult[]);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, t] of targets.entries()) {
        const r = await cannon(t.url, t.headers);
        if (r.non2xx > 0 || r.errors > 0) throw new Error(`${t.name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
        results[i].push(r);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const bareRate = median(results[0].map((r) => r.requests.average));
    for (const [i, t] of targets.entries()) {
      const rate = median(results[i].map((r) => r.requests.average));
      const isBare = i === 0;
      rows.push({
        benchmark: t.name,
        value: rate,
        unit: "req/s",
        p50Ms: median(results[i].map((r) => r.latency.p50)),
        p99Ms: median(results[i].map((r) => r.latency.p99)),
        ratio: rate / bareRate,
        target: isBare ? "baseline" : "≥ 0.5× bare",
        pass: isBare ? null : rate / bareRate >= 0.5,
      });
    }
  } finally {
    await bare.close();
    await emu.close();
  }
  return rows;
}

export function printBenchRows(rows: BenchRow[]): void {
  const fmt = (n: number | undefined, digits = 0) => (n === undefined ? "" : n.toFixed(digits));
  console.table(
    rows.map((r) => ({
      benchmark: r.benchmark,
      value: `${fmt(r.value, r.unit === "ms" ? 1 : 0)} ${r.unit}`,
      "p50 ms": fmt(r.p50Ms, 1),
      "p99 ms": fmt(r.p99Ms, 1),
      ratio: r.ratio === null ? "" : `${r.ratio.toFixed(2)}×`,
      target: r.target,
      result: r.pass === null ? "" : r.pass ? "pass" : "FAIL",
    })),
  );
}

if (require.main === module) {
  benchGitLabEmulator().then(
    (rows) => {
      printBenchRows(rows);
      if (rows.some((r) => r.pass === false)) process.exitCode = 1;
    },
    (e) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
