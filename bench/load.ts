/**
 * The load generator, run as a child process so that it shares an event loop with neither the bridge
 * (a process of its own) nor the bare Express baseline and GitLab emulator (in bench/run.ts's process).
 * Reads one LoadSpec from the JSON file argv[2], drives autocannon, prints one LoadResult as JSON on
 * stdout.
 *
 * Requests vary through templates: "{n}" is a counter unique across the run, "{key}" takes the value
 * of that key in items[n % items.length].
 */
import fs from "node:fs";
import autocannon from "autocannon";

export interface LoadSpec {
  url: string;
  connections: number;
  durationSeconds: number;
  method: "GET" | "POST" | "PATCH";
  headers: Record<string, string>;
  pathTemplate: string;
  bodyTemplate?: string;
  items?: Record<string, string>[];
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Status codes seen, with counts. */
  statusCodes: Record<string, number>;
}

function fill(template: string, n: number, items: Record<string, string>[] | undefined, encode: boolean): string {
  const item = items?.length ? items[n % items.length] : {};
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = key === "n" ? String(n) : item[key];
    if (value === undefined) return whole;
    return encode ? encodeURIComponent(value) : value;
  });
}

async function run(spec: LoadSpec): Promise<LoadResult> {
  let counter = 0;
  const result = await autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: spec.durationSeconds,
    // Queued behind nine others on the one embedded connection, a large-tenant scan waits seconds.
    timeout: 60,
    requests: [
      {
        method: spec.method,
        headers: spec.headers,
        setupRequest: (request) => {
          const n = counter++;
          return {
            ...request,
            path: fill(spec.pathTemplate, n, spec.items, true),
            ...(spec.bodyTemplate ? { body: fill(spec.bodyTemplate, n, spec.items, false) } : {}),
          };
        },
      },
    ],
  });
  const statusCodes: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = (count as { count: number }).count;
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  };
}

if (require.main === module) {
  run(JSON.parse(fs.readFileSync(process.argv[2], "utf8")) as LoadSpec).then(
    (result) => process.stdout.write(JSON.stringify(result) + "\n"),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
