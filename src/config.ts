/**
 * Typed configuration, parsed once at start from the environment and frozen.
 * A bad value stops the process with a sentence naming the variable and the rule.
 * Every variable is documented in .env.example.
 */
import net from "node:net";
import path from "node:path";

export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL URL; unset means embedded PGlite under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** PostgreSQL shared_buffers of the embedded database (e.g. "16MB"): most of its memory footprint. */
  readonly pgliteSharedBuffers: string;
  /** "fsync": an acknowledged write survives an OS crash; "off": it may not (README, Durability). */
  readonly pgliteDurability: "fsync" | "off";
  readonly gitlabUrl: string | undefined;
  readonly gitlabToken: string | undefined;
  /** GitLab calls in flight at most (src/gitlab/concurrency.ts). */
  readonly gitlabConcurrency: number;
  /** Timeout of every GitLab call, ms. */
  readonly gitlabTimeoutMs: number;
  /** Member removals per GitLab group per minute the bridge allows itself (GitLab's members_delete limit); 0 = no pacing. */
  readonly gitlabMembersDeletePerMinute: number;
  /** DRY_RUN: every connection behaves as if its dryRun setting were on (plans recorded, no GitLab calls). */
  readonly dryRun: boolean;
  /** Subjects this process reconciles at once (default GITLAB_CONCURRENCY). */
  readonly reconcileWorkers: number;
  /** Retry budget of a subject before it is parked: attempts, and hours of failing. */
  readonly reconcileMaxAttempts: number;
  readonly reconcileMaxFailingHours: number;
  /** A claim's lease, ms; renewed while the worker is still at it. */
  readonly reconcileLeaseMs: number;
  /** How often an idle worker looks for due work it was not woken for, ms. */
  readonly reconcilePollMs: number;
  /** Period of the drift sweep (src/reconcile/drift-sweep.ts), ms; 0: no periodic sweep. */
  readonly reconcileDriftIntervalMs: number;
  readonly publicUrl: string | undefined;
  readonly gitlabOAuthClientId: string | undefined;
  readonly gitlabOAuthClientSecret: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  /** Largest accepted SCIM request body, bytes (413 beyond). */
  readonly scimMaxBodyBytes: number;
  /** Largest page a SCIM list returns; larger `count` values are capped to it (RFC 7644 §3.4.2.4). */
  readonly scimMaxPageSize: number;
  /** Page size when the client gives no `count`. */
  readonly scimDefaultPageSize: number;
  /** How long SIGTERM waits for in-flight requests before closing connections, ms. */
  readonly shutdownGraceMs: number;
  /** A client must have sent all request headers within this many ms of starting a request. */
  readonly httpHeadersTimeoutMs: number;
  /** A client must have sent the whole request (headers and body) within this many ms. */
  readonly httpRequestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this many ms. */
  readonly httpKeepAliveTimeoutMs: number;
  /** Open connections beyond this many are refused (closed on accept). */
  readonly httpMaxConnections: number;
  /**
   * Express's `trust proxy`: which peers' X-Forwarded-Proto (and X-Forwarded-For) count. false: none,
   * a number: that many hops, a list: those addresses, subnets or the names loopback/linklocal/uniquelocal.
   */
  readonly trustProxy: false | number | readonly string[];
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/**
 * Minutes as milliseconds; 0 means off. Fractions are accepted (up to three decimals, so 0.05 is 3 s):
 * a test or a demo may want a sweep every few seconds.
 */
function readMinutes(env: Env, name: string, fallback: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback * 60_000;
  if (!/^\d+(\.\d{1,3})?$/.test(raw.trim())) throw new ConfigError(`${name} must be a number of minutes (0 = off, up to three decimals), got "${raw}"`);
  const value = Number(raw);
  if (value > max) throw new ConfigError(`${name} must be between 0 and ${max}, got ${value}`);
  return Math.round(value * 60_000);
}

function readUrl(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === "") return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(" or ")}, got "${url.protocol}"`);
  }
  return raw.replace(/\/+$/, "");
}

function readOptional(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === "" ? undefined : raw;
}

function readChoice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!choices.includes(raw as T)) throw new ConfigError(`${name} must be one of ${choices.join(", ")}, got "${raw}"`);
  return raw as T;
}

function readMemorySize(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^[1-9]\d*(kB|MB|GB)$/.test(raw)) throw new ConfigError(`${name} must be a size such as 16MB (a whole number with kB, MB or GB), got "${raw}"`);
  return raw;
}

const PROXY_NAMES = ["loopback", "linklocal", "uniquelocal"];

/** Proxy addresses the way Express's `trust proxy` takes them, refused here rather than at first request. */
function readTrustProxy(env: Env, name: string): Config["trustProxy"] {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === "" || raw === "false") return false;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops < 1 || hops > 32) throw new ConfigError(`${name} as a hop count must be between 1 and 32, got ${hops}`);
    return hops;
  }
  const entries = raw.split(",").map((entry) => entry.trim());
  for (const entry of entries) {
    const [address, prefix, extra] = entry.split("/");
    const family = net.isIP(address);
    const prefixOk = prefix === undefined || (/^\d+$/.test(prefix) && Number(prefix) <= (family === 6 ? 128 : 32));
    if (PROXY_NAMES.includes(entry) || (family !== 0 && prefixOk && extra === undefined)) continue;
    throw new ConfigError(`${name} must be a hop count, or a comma-separated list of IP addresses, subnets (10.0.0.0/8) or ${PROXY_NAMES.join("/")}; "${entry}" is none of these`);
  }
  return Object.freeze(entries);
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

export function loadConfig(env: Env = process.env): Config {
  const logLevel = readChoice(env, "LOG_LEVEL", LOG_LEVELS, "info");
  const gitlabOAuthClientId = readOptional(env, "GITLAB_OAUTH_CLIENT_ID");
  const gitlabOAuthClientSecret = readOptional(env, "GITLAB_OAUTH_CLIENT_SECRET");
  if (Boolean(gitlabOAuthClientId) !== Boolean(gitlabOAuthClientSecret)) {
    throw new ConfigError("GITLAB_OAUTH_CLIENT_ID and GITLAB_OAUTH_CLIENT_SECRET must be set together");
  }
  const scimMaxPageSize = readInt(env, "SCIM_MAX_PAGE_SIZE", 1000, 1, 100_000);
  // Node refuses a headers timeout longer than the request timeout: the latter's range starts here.
  const httpHeadersTimeoutMs = readInt(env, "HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000);
  const gitlabConcurrency = readInt(env, "GITLAB_CONCURRENCY", 8, 1, 64);
  const config: Config = {
    port: readInt(env, "PORT", 8080, 0, 65535),
    host: env.HOST || "0.0.0.0",
    databaseUrl: readUrl(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    dataDir: path.resolve(env.DATA_DIR || "data"),
    pgliteSharedBuffers: readMemorySize(env, "PGLITE_SHARED_BUFFERS", "16MB"),
    pgliteDurability: readChoice(env, "PGLITE_DURABILITY", ["fsync", "off"], "fsync"),
    gitlabUrl: readUrl(env, "GITLAB_URL", ["http:", "https:"]),
    gitlabToken: readOptional(env, "GITLAB_TOKEN"),
    gitlabConcurrency,
    gitlabTimeoutMs: readInt(env, "GITLAB_TIMEOUT_MS", 10_000, 100, 600_000),
    gitlabMembersDeletePerMinute: readInt(env, "GITLAB_MEMBERS_DELETE_PER_MINUTE", 60, 0, 100_000),
    dryRun: readChoice(env, "DRY_RUN", ["true", "false"], "false") === "true",
    // Twice the GitLab slots: a pass spends part of its time in the database, and while it does another
    // worker's call keeps the slot busy (initial sync measured 0.62× of GitLab's pace at 1×).
    reconcileWorkers: readInt(env, "RECONCILE_WORKERS", 2 * gitlabConcurrency, 1, 256),
    reconcileMaxAttempts: readInt(env, "RECONCILE_MAX_ATTEMPTS", 25, 1, 1000),
    reconcileMaxFailingHours: readInt(env, "RECONCILE_MAX_FAILING_HOURS", 24, 1, 24 * 365),
    reconcileLeaseMs: readInt(env, "RECONCILE_LEASE_MS", 60_000, 1_000, 3_600_000),
    reconcilePollMs: readInt(env, "RECONCILE_POLL_MS", 1_000, 10, 600_000),
    reconcileDriftIntervalMs: readMinutes(env, "RECONCILE_DRIFT_INTERVAL_MINUTES", 360, 7 * 24 * 60),
    publicUrl: readUrl(env, "PUBLIC_URL", ["http:", "https:"]),
    gitlabOAuthClientId,
    gitlabOAuthClientSecret,
    logLevel,
    scimMaxBodyBytes: readInt(env, "SCIM_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    scimMaxPageSize,
    scimDefaultPageSize: readInt(env, "SCIM_DEFAULT_PAGE_SIZE", Math.min(100, scimMaxPageSize), 1, scimMaxPageSize),
    shutdownGraceMs: readInt(env, "SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    httpHeadersTimeoutMs,
    httpRequestTimeoutMs: readInt(env, "HTTP_REQUEST_TIMEOUT_MS", Math.max(15_000, httpHeadersTimeoutMs), httpHeadersTimeoutMs, 600_000),
    httpKeepAliveTimeoutMs: readInt(env, "HTTP_KEEP_ALIVE_TIMEOUT_MS", 5_000, 100, 600_000),
    httpMaxConnections: readInt(env, "HTTP_MAX_CONNECTIONS", 1000, 1, 1_000_000),
    trustProxy: readTrustProxy(env, "TRUST_PROXY"),
  };
  if (config.gitlabUrl && !config.gitlabToken) throw new ConfigError("GITLAB_TOKEN is required when GITLAB_URL is set");
  return Object.freeze(config);
}
