/**
 * Issue 11's benchmark: SCIM groups become GitLab group memberships, against a GitLab that takes
 * BENCH_GITLAB_LATENCY_MS (20) per call, each figure printed as a ratio to a baseline of the same run.
 *
 * Initial push: BENCH_PUSH_USERS (10,000) users and BENCH_PUSH_GROUPS (500) groups of
 * BENCH_PUSH_MEMBERS (100) members each (50,000 memberships; every user in 5 groups) reach the bridge over
 * SCIM while GitLab is down; the connection creates a subgroup of `bench-teams` for every SCIM group
 * (unmapped_groups create, as the seed article's root group / subgroups layout). The loading bridge stops;
 * a fresh bridge process on that DATA_DIR (fsync durability) then converges GitLab, now up.
 *   - GitLab calls against the minimum needed: one POST /users per user, one POST /groups per subgroup,
 *     one lookup of the parent, and one batched POST /groups/:id/members per 100 members of a group
 *     (GitLab takes user_id=1,2,3); target ≤ 1.1×.
 *   - convergence time (from the fresh bridge's start to the last membership) against
 *     calls × latency ÷ GITLAB_CONCURRENCY (every call it made, end to end, with none waiting);
 *     target ≤ 1.25×. The pace the emulator allows on this machine (POST /users ×concurrency straight
 *     from here, as bench/reconcile.ts measures it) is printed beside it.
 * Drift pass: `reconcile --full` over the same data once converged (nothing drifted): GitLab calls and
 * time until the queue is empty again.
 *
 * Run alone with `npm run bench -- --only memberships`; shrink with the BENCH_PUSH_* knobs; BENCH_DATABASE_URL runs
 * the bridge on PostgreSQL (bench-database.ts).
 */
import { startGitLabEmulator, ROOT_USER_ID, type RecordedResponse } from "../tools/gitlab-emulator";
import { benchDatabase } from "./bench-database";
import { startBridgeProcess, type BridgeProcess } from "./bridge-process";
import { AnswerWatch, fmt, INSTANCE_ROUTES, measureBaselines, printResultTable, printTargetsLine, runCli, runMain, ScimSender, verdict, waitUntil } from "./reconcile";
import { benchNumber } from "./seed";

const LATENCY_MS = benchNumber("BENCH_GITLAB_LATENCY_MS", 20);
const CONCURRENCY = benchNumber("BENCH_GITLAB_CONCURRENCY", 8);
const USERS = benchNumber("BENCH_PUSH_USERS", 10_000);
const GROUPS = benchNumber("BENCH_PUSH_GROUPS", 500);
const MEMBERS = Math.min(benchNumber("BENCH_PUSH_MEMBERS", 100), USERS);
const SCIM_CONCURRENCY = 8;
const PARENT = "bench-teams";
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
/** GitLab takes this many user ids in one add (src/gitlab/members.ts ADD_BATCH_SIZE). */
const ADD_BATCH = 100;

/** Members of group k: a block of MEMBERS consecutive users, so every user is in GROUPS × MEMBERS / USERS groups. */
function memberIndexes(k: number): number[] {
  return Array.from({ length: MEMBERS }, (_, j) => (k * MEMBERS + j) % USERS);
}

async function main(): Promise<void> {
  const database = await benchDatabase("memberships");
  const watch = new AnswerWatch();
  const emulator = await startGitLabEmulator({ port: 0, requestLogLimit: 2_000_000, onResponse: watch.hook });
  const bridges: BridgeProcess[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      for (const b of bridges) b.child.kill("SIGKILL");
      process.exit(130);
    });
  }
  try {
    const memberships = GROUPS * MEMBERS;
    console.log(`\nGitLab group memberships (bench/memberships.ts): ${fmt(USERS)} users, ${fmt(GROUPS)} groups, ${fmt(memberships)} memberships; emulator at ${LATENCY_MS} ms per call, GITLAB_CONCURRENCY ${CONCURRENCY}, ${database.label}`);
    const baselines = await measureBaselines();
    console.log(`  the emulator's pace on this machine, measured now: ${fmt(baselines.createsPerSecond)} calls/s at ${CONCURRENCY} at once (in theory ${fmt(CONCURRENCY / (LATENCY_MS / 1000))}/s)`);

    const api = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(`${emulator.url}/api/v4${p}`, { method, headers: { "private-token": emulator.adminToken, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
      return (await res.json()) as { id: number };
    };
    const parent = await api("POST", "/groups", { name: "Bench teams", path: PARENT });

    const env: Record<string, string> = {
      ...database.env,
      PORT: "0",
      HOST: "127.0.0.1",
      LOG_LEVEL: "info",
      GITLAB_URL: emulator.url,
      GITLAB_TOKEN: emulator.adminToken,
      GITLAB_CONCURRENCY: String(CONCURRENCY),
    };
    const loader = await startBridgeProcess({ ...env, PGLITE_DURABILITY: "off" });
    bridges.push(loader);
    const token = (JSON.parse(await runCli(["connection", "create", "--name", "bench-memberships", "--idp", "okta", "--json"], env)) as { token: string }).token;
    await runCli(["connection", "update", "--name", "bench-memberships", "--unmapped-groups", "create", "--unmapped-parent", PARENT, "--unmapped-access", "developer"], env);

    // The push, while GitLab is down: the work waits in the queue.
    emulator.faults.set({ outage: { status: 503, durationMs: 24 * 3_600_000 }, latency: { fixedMs: LATENCY_MS } });
    const scim = new ScimSender(loader.url, token);
    const loadStart = performance.now();
    const userIds = await scim.createMany(0, USERS, "push");
    let next = 0;
    await Promise.all(
      Array.from({ length: SCIM_CONCURRENCY }, async () => {
        for (let k = next++; k < GROUPS; k = next++) {
          const members = memberIndexes(k).map((i) => ({ value: userIds[i] }));
          await scim.send("POST", "/Groups", { schemas: [CORE_GROUP], displayName: `Team ${String(k).padStart(4, "0")}`, externalId: `team-${k}`, members });
        }
      }),
    );
    console.log(`  pushed ${fmt(USERS)} users and ${fmt(GROUPS)} groups over SCIM in ${fmt((performance.now() - loadStart) / 1000, 1)} s while GitLab was down; stopping that bridge`);
    await loader.stop();

    // Convergence: a fresh bridge, GitLab up.
    emulator.faults.set({ latency: { fixedMs: LATENCY_MS } });
    const seqBefore = emulator.requests.list().at(-1)?.seq ?? 0;
    let lastAnswerAt = 0;
    /** The last answer of each route (method and pattern): when each phase of the push ended. */
    const lastByRoute = new Map<string, number>();
    const listener = (r: RecordedResponse, at: number) => {
      if (!r.route?.startsWith("/api/v4") || INSTANCE_ROUTES.has(r.route)) return;
      lastAnswerAt = at;
      lastByRoute.set(`${r.method} ${r.route}`, at);
    };
    watch.listeners.add(listener);
    const managedMembers = () => {
      let n = 0;
      for (const child of emulator.state.childrenOf(parent.id)) for (const m of emulator.state.directMembers(child.id).values()) if (m.userId !== ROOT_USER_ID) n++;
      return n;
    };
    const startedAt = performance.now();
    const bridge = await startBridgeProcess({ ...env, PGLITE_DURABILITY: "fsync" });
    const listeningAt = performance.now();
    bridges.push(bridge);
    try {
      await waitUntil(`GitLab holding ${memberships} memberships`, () => managedMembers() >= memberships, () => `${fmt(emulator.state.childrenOf(parent.id).length)} / ${fmt(GROUPS)} subgroups, ${fmt(managedMembers())} / ${fmt(memberships)} memberships`);
    } finally {
      watch.listeners.delete(listener);
    }
    const seconds = (lastAnswerAt - startedAt) / 1000;
    const calls = emulator.requests.list({ since: seqBefore }).filter((r) => r.route !== null && !INSTANCE_ROUTES.has(r.route));
    const byRoute = new Map<string, number>();
    for (const r of calls) byRoute.set(`${r.method} ${r.route}`, (byRoute.get(`${r.method} ${r.route}`) ?? 0) + 1);
    const minimum = USERS + GROUPS + 1 + GROUPS * Math.ceil(MEMBERS / ADD_BATCH);
    const ideal = (calls.length * LATENCY_MS) / 1000 / CONCURRENCY;

    // A full drift pass over the converged data.
    const driftSeq = emulator.requests.list().at(-1)?.seq ?? 0;
    const driftStart = performance.now();
    await runCli(["reconcile", "--full"], env);
    const busy = async () => {
      const status = JSON.parse(await runCli(["status", "--json"], env)) as { connections: Array<{ queue: Record<string, number> }> };
      return status.connections.some((c) => c.queue.pending + c.queue.claimed > 0);
    };
    let stillBusy = true;
    const deadline = Date.now() + 30 * 60_000;
    while (stillBusy && Date.now() < deadline) stillBusy = await busy();
    const driftSeconds = (performance.now() - driftStart) / 1000;
    const driftCalls = emulator.requests.list({ since: driftSeq }).filter((r) => r.route !== null && !INSTANCE_ROUTES.has(r.route)).length;

    const rows = [
      ["initial push: GitLab calls", fmt(calls.length), `${fmt(minimum)} minimum`, `${(calls.length / minimum).toFixed(3)}×`, "≤ 1.1×", verdict(calls.length / minimum <= 1.1)],
      ["initial push: convergence s", fmt(seconds, 1), `${fmt(ideal, 1)} s = calls × ${LATENCY_MS} ms ÷ ${CONCURRENCY}`, `${(seconds / ideal).toFixed(3)}×`, "≤ 1.25×", verdict(seconds / ideal <= 1.25)],
      ["drift pass: GitLab calls / s", `${fmt(driftCalls)} / ${fmt(driftSeconds, 1)}`, `${fmt(((driftCalls * LATENCY_MS) / 1000 / CONCURRENCY), 1)} s = calls × ${LATENCY_MS} ms ÷ ${CONCURRENCY}`, `${(driftSeconds / ((driftCalls * LATENCY_MS) / 1000 / CONCURRENCY)).toFixed(3)}×`, "(reported)", "-"],
    ];
    printResultTable(rows);
    console.log(`\n  initial push: GitLab calls by route: ${[...byRoute].map(([k, v]) => `${k} ${fmt(v)}`).join(", ")}`);
    console.log(`  convergence against the emulator's measured pace instead: ${(seconds / (calls.length / baselines.createsPerSecond)).toFixed(3)}×`);
    const phase = (route: string) => (lastByRoute.has(route) ? `${fmt((lastByRoute.get(route)! - startedAt) / 1000, 1)} s` : "-");
    console.log(
      `  phases, from the bridge's start: listening ${fmt((listeningAt - startedAt) / 1000, 1)} s; last user created ${phase("POST /api/v4/users")}; last subgroup created ${phase("POST /api/v4/groups")}; last members added ${phase("POST /api/v4/groups/{id}/members")}`,
    );
    printTargetsLine(rows);
  } finally {
    for (const b of bridges) await b.stop();
    await emulator.close();
    await database.remove();
  }
}

if (require.main === module) runMain(main);
