/**
 * `npm run fuzz -- --n 1000000 --seed S [--concurrency 8] [--include wide-filters] [--all]`: the fuzz test's generator and
 * checks, for long runs, against a fresh in-process bridge (embedded PGlite in memory, or PostgreSQL
 * with TEST_DATABASE_URL). Prints the seed, progress, the status counts and the first failing request
 * (every failure with --all); exits 1 on any failure.
 */
import { startTestBridge } from "../helpers/bridge";
import { describeFailure, prepareWorld, runFuzz } from "./runner";

function option(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<number> {
  const count = Number(option("n") ?? 20_000);
  const seed = option("seed") !== undefined ? Number(option("seed")) : Math.floor(Math.random() * 2 ** 32);
  const concurrency = Number(option("concurrency") ?? 8);
  if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed) || !Number.isSafeInteger(concurrency) || concurrency < 1) {
    console.error("usage: npm run fuzz -- [--n COUNT] [--seed SEED] [--concurrency N] [--include CLASS,…] [--all]");
    return 2;
  }
  console.log(`fuzz: seed ${seed}, ${count} requests, concurrency ${concurrency}`);
  const bridge = await startTestBridge();
  try {
    const other = await bridge.addConnection("other-tenant");
    const world = await prepareWorld(bridge.url, bridge.token, other.token);
    const started = performance.now();
    const result = await runFuzz({
      baseUrl: bridge.url,
      world,
      seed,
      count,
      concurrency,
      include: option("include")?.split(",").filter(Boolean),
      progress: (sent) => {
        if (sent % (count >= 100_000 ? 10_000 : 1000) === 0) console.log(`fuzz: ${sent} sent, ${Math.round(sent / ((performance.now() - started) / 1000))} req/s`);
      },
    });
    console.log(`fuzz: ${result.sent} requests in ${Math.round(performance.now() - started)} ms; statuses ${JSON.stringify(result.statuses)}`);
    for (const { ms, request } of result.slowest) console.log(`fuzz: slow ${Math.round(ms)} ms: ${request.method} ${request.path.slice(0, 200)} ${request.kind.join(" ")} (body ${request.body?.length ?? 0} bytes)`);
    const shown = process.argv.includes("--all") ? result.failures : result.failures.slice(0, 1);
    for (const failure of shown) console.log(describeFailure(failure, seed));
    if (result.failures.length) console.log(`fuzz: ${result.failures.length} failures (seed ${seed})`);
    for (const changed of result.changedSentinels) console.log(`fuzz: sentinel ${changed.id} changed:\n  before ${JSON.stringify(changed.before)}\n  after  ${JSON.stringify(changed.after)}`);
    return result.failures.length || result.changedSentinels.length ? 1 : 0;
  } finally {
    await bridge.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
