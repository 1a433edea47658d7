/**
 * Typed configuration, parsed once at start from the environment and frozen.
 * A bad value stops the process with a sentence naming the variable and the rule.
 * Every variable is documented in .env.example.
 */
import path from "node:path";

export interface Config {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL URL; unset means embedded PGlite under dataDir. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** PostgreSQL shared_buffers of the embedded database (e.g. "16MB"): most of its memory footprint. */
  readonly pgliteSharedBuffers: string;
  readonly gitlabUrl: string | undefined;
  readonly gitlabToken: string | undefined;
  /** GitLab calls in flight at most (src/gitlab/concurrency.ts). */
  readonly gitlabConcurrency: number;
  /** Timeout of every GitLab call, ms. */
  readonly gitlabTimeoutMs: number;
  readonly publicUrl: string | undefined;
  readonly gitlabOAuthClientId: string | undefined;
  readonly gitlabOAuthClientSecret: string | undefined;
  readonly logLevel: string;
  /** Largest accepted SCIM request body, bytes (413 beyond). */
  readonly scimMaxBodyBytes: number;
  /** Largest page a SCIM list returns; larger `count` values are capped to it (RFC 7644 §3.4.2.4). */
  readonly scimMaxPageSize: number;
  /** Page size when the client gives no `count`. */
  readonly scimDefaultPageSize: number;
  /** How long SIGTERM waits for in-flight requests before closing connections, ms. */
  readonly shutdownGraceMs: number;
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

function readMemorySize(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^[1-9]\d*(kB|MB|GB)$/.test(raw)) throw new ConfigError(`${name} must be a size such as 16MB (a whole number with kB, MB or GB), got "${raw}"`);
  return raw;
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

export function loadConfig(env: Env = process.env): Config {
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const gitlabOAuthClientId = readOptional(env, "GITLAB_OAUTH_CLIENT_ID");
  const gitlabOAuthClientSecret = readOptional(env, "GITLAB_OAUTH_CLIENT_SECRET");
  if (Boolean(gitlabOAuthClientId) !== Boolean(gitlabOAuthClientSecret)) {
    throw new ConfigError("GITLAB_OAUTH_CLIENT_ID and GITLAB_OAUTH_CLIENT_SECRET must be set together");
  }
  const scimMaxPageSize = readInt(env, "SCIM_MAX_PAGE_SIZE", 1000, 1, 100_000);
  const config: Config = {
    port: readInt(env, "PORT", 8080, 0, 65535),
    host: env.HOST || "0.0.0.0",
    databaseUrl: readUrl(env, "DATABASE_URL", ["postgres:", "postgresql:"]),
    dataDir: path.resolve(env.DATA_DIR || "data"),
    pgliteSharedBuffers: readMemorySize(env, "PGLITE_SHARED_BUFFERS", "16MB"),
    gitlabUrl: readUrl(env, "GITLAB_URL", ["http:", "https:"]),
    gitlabToken: readOptional(env, "GITLAB_TOKEN"),
    gitlabConcurrency: readInt(env, "GITLAB_CONCURRENCY", 8, 1, 64),
    gitlabTimeoutMs: readInt(env, "GITLAB_TIMEOUT_MS", 10_000, 100, 600_000),
    publicUrl: readUrl(env, "PUBLIC_URL", ["http:", "https:"]),
    gitlabOAuthClientId,
    gitlabOAuthClientSecret,
    logLevel,
    scimMaxBodyBytes: readInt(env, "SCIM_MAX_BODY_BYTES", 1024 * 1024, 1024, 64 * 1024 * 1024),
    scimMaxPageSize,
    scimDefaultPageSize: readInt(env, "SCIM_DEFAULT_PAGE_SIZE", Math.min(100, scimMaxPageSize), 1, scimMaxPageSize),
    shutdownGraceMs: readInt(env, "SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
  };
  if (config.gitlabUrl && !config.gitlabToken) throw new ConfigError("GITLAB_TOKEN is required when GITLAB_URL is set");
  return Object.freeze(config);
}
