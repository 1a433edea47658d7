/**
 * Faults for reliability tests, set through PUT /-/emulator/faults: latency (fixed or a random range), a
 * share of 500/502/503 answers, a share of requests never answered (timeouts) or cut (connection
 * resets), a call carried out whose answer is lost (the connection cut after GitLab acted: a client
 * cannot tell it from a reset, and must not assume the call did nothing), scripted faults — "the next N calls to this route fail with X" — and an outage that ends by
 * itself: every call answers one status for a duration measured on the emulator's clock (GitLab down
 * for a minute: 503 from its front end; a throttling burst: Rack::Attack's 429 with Retry-After,
 * contract §6). An outage comes first, then scripted faults in order, then random ones. Randomness
 * comes from a seeded generator so a failing run can be replayed. Faults apply to /api/v4 and /oauth,
 * never to /-/emulator.
 */
import { nowMs, type Clock } from "./clock";

export interface ScriptedFault {
  method?: string;
  /** Route pattern as in the OpenAPI description, e.g. /api/v4/groups/{id}/members/{user_id}. */
  route?: string;
  /** Exact request path, e.g. /api/v4/users/5/block. */
  path?: string;
  times: number;
  respond?: { status: number; body?: unknown; headers?: Record<string, string> };
  timeout?: boolean;
  reset?: boolean;
  /** Carry the call out, then cut the connection instead of answering (the answer is lost on the way). */
  lose?: boolean;
  delayMs?: number;
}

/** Every call answers `status` until the emulator's clock has moved `durationMs` past the moment it was set. */
export interface OutageConfig {
  status: number;
  durationMs: number;
  /** Retry-After in seconds; a 429 without it says how long the outage still lasts, rounded up. */
  retryAfterSeconds?: number;
  /** Set by the emulator when the outage is configured: when it ends (ISO time on the emulator's clock). */
  endsAt?: string;
}

export interface FaultConfig {
  outage?: OutageConfig;
  latency?: { fixedMs?: number; minMs?: number; maxMs?: number };
  errorRates?: { "500"?: number; "502"?: number; "503"?: number };
  timeoutRate?: number;
  resetRate?: number;
  script?: ScriptedFault[];
  randomSeed?: number;
}

export type FaultAction =
  | { kind: "pass"; delayMs: number }
  | { kind: "timeout"; delayMs: number }
  | { kind: "reset"; delayMs: number }
  | { kind: "lose"; delayMs: number }
  | { kind: "respond"; delayMs: number; status: number; contentType: string; text: string; headers: Record<string, string>; outage?: boolean };

/** What GitLab's front ends answer: Rails renders JSON 500s; 502/503 come from Workhorse/NGINX as HTML. */
const CANNED: Record<number, { contentType: string; text: string }> = {
  500: { contentType: "application/json", text: JSON.stringify({ message: "500 Internal Server Error" }) },
  502: { contentType: "text/html; charset=utf-8", text: "<!DOCTYPE html><html><head><title>GitLab is not responding (502)</title></head><body><h1>502</h1><h3>Whoops, GitLab is taking too much time to respond.</h3></body></html>" },
  503: { contentType: "text/html; charset=utf-8", text: "<!DOCTYPE html><html><head><title>The server is temporarily unavailable (503)</title></head><body><h1>503</h1><h3>The server is temporarily unavailable.</h3></body></html>" },
};

const PASS: FaultAction = { kind: "pass", delayMs: 0 };

/** mulberry32: tiny, seedable, good enough to spread faults. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rate = (v: unknown, key: string) => {
  if (v === undefined) return 0;
  if (typeof v !== "number" || v < 0 || v > 1) throw new Error(`faults.${key} must be a number between 0 and 1`);
  return v;
};

export function validateFaults(config: FaultConfig): FaultConfig {
  if (typeof config !== "object" || config === null || Array.isArray(config)) throw new Error("faults must be a JSON object");
  const shares = [rate(config.errorRates?.["500"], "errorRates.500"), rate(config.errorRates?.["502"], "errorRates.502"),
    rate(config.errorRates?.["503"], "errorRates.503"), rate(config.timeoutRate, "timeoutRate"), rate(config.resetRate, "resetRate")];
  if (shares.reduce((a, b) => a + b, 0) > 1) throw new Error("faults: the error, timeout and reset rates must add up to at most 1");
  const l = config.latency;
  if (l && (l.fixedMs ?? 0) < 0) throw new Error("faults.latency.fixedMs must be ≥ 0");
  if (l && (l.minMs !== undefined || l.maxMs !== undefined) && !(0 <= (l.minMs ?? 0) && (l.minMs ?? 0) <= (l.maxMs ?? -1))) {
    throw new Error("faults.latency needs 0 ≤ minMs ≤ maxMs");
  }
  const o = config.outage;
  if (o !== undefined) {
    if (typeof o !== "object" || o === null) throw new Error("faults.outage must be an object");
    if (!Number.isInteger(o.status) || o.status < 400 || o.status > 599) throw new Error("faults.outage.status must be an HTTP error status (400-599)");
    if (!Number.isInteger(o.durationMs) || o.durationMs < 1) throw new Error("faults.outage.durationMs must be an integer ≥ 1");
    if (o.retryAfterSeconds !== undefined && (!Number.isInteger(o.retryAfterSeconds) || o.retryAfterSeconds < 0)) {
      throw new Error("faults.outage.retryAfterSeconds must be an integer ≥ 0");
    }
  }
  (config.script ?? []).forEach((s, i) => {
    const actions = [s.respond, s.timeout, s.reset, s.lose].filter(Boolean).length;
    if (!Number.isInteger(s.times) || s.times < 1) throw new Error(`faults.script[${i}].times must be an integer ≥ 1`);
    if (actions > 1 || (actions === 0 && s.delayMs === undefined)) {
      throw new Error(`faults.script[${i}] needs exactly one of respond, timeout, reset, lose (or only delayMs)`);
    }
    if (s.respond && (!Number.isInteger(s.respond.status) || s.respond.status < 100 || s.respond.status > 599)) {
      throw new Error(`faults.script[${i}].respond.status must be an HTTP status`);
    }
  });
  return { ...config, outage: o && { ...o }, script: (config.script ?? []).map((s) => ({ ...s })) };
}

/** contract §6 / §9.14: Rack::Attack's 429 is plain text with Retry-After and the reset time. */
function outageAnswer(o: OutageConfig, endsAtMs: number, now: number, delayMs: number): FaultAction {
  const remainingSeconds = Math.max(1, Math.ceil((endsAtMs - now) / 1000));
  const headers: Record<string, string> = {};
  if (o.retryAfterSeconds !== undefined || o.status === 429) headers["retry-after"] = String(o.retryAfterSeconds ?? remainingSeconds);
  if (o.status === 429) {
    const resetSeconds = Math.ceil(endsAtMs / 1000);
    Object.assign(headers, {
      "ratelimit-name": "throttle_authenticated_api",
      "ratelimit-remaining": "0",
      "ratelimit-reset": String(resetSeconds),
      "ratelimit-resettime": new Date(resetSeconds * 1000).toUTCString(),
    });
    return { kind: "respond", delayMs, status: 429, contentType: "text/plain", text: "Retry later\n", headers, outage: true };
  }
  const canned = CANNED[o.status] ?? { contentType: "application/json", text: JSON.stringify({ message: `${o.status}` }) };
  return { kind: "respond", delayMs, status: o.status, ...canned, headers, outage: true };
}

export class Faults {
  private config: FaultConfig = {};
  private outageEndsAtMs = 0;
  private random: () => number = Math.random;
  /** False when nothing is configured, so that the common case costs one check. */
  private active = false;

  constructor(private readonly clock: Clock) {}

  set(config: FaultConfig): void {
    this.config = validateFaults(config);
    if (this.config.outage) {
      this.outageEndsAtMs = nowMs(this.clock) + this.config.outage.durationMs;
      this.config.outage.endsAt = new Date(this.outageEndsAtMs).toISOString();
    }
    this.active = Object.keys(config).some((k) => k !== "randomSeed" && k !== "script") || (this.config.script ?? []).length > 0;
    this.random = config.randomSeed === undefined ? Math.random : seededRandom(config.randomSeed);
  }

  get(): FaultConfig {
    return this.config;
  }

  clear(): void {
    this.set({});
  }

  /** Decides the fate of one request; `route` is the matched OpenAPI pattern, if any. */
  decide(method: string, path: string, route: string | null): FaultAction {
    if (!this.active) return PASS;
    const delayMs = this.latency();
    const outage = this.config.outage;
    if (outage) {
      const now = nowMs(this.clock);
      if (now < this.outageEndsAtMs) return outageAnswer(outage, this.outageEndsAtMs, now, delayMs);
    }
    const script = this.config.script ?? [];
    const index = script.findIndex((s) => (!s.method || s.method.toUpperCase() === method) && (!s.route || s.route === route) && (!s.path || s.path === path));
    if (index >= 0) {
      const s = script[index];
      if (--s.times === 0) script.splice(index, 1);
      const d = delayMs + (s.delayMs ?? 0);
      if (s.timeout) return { kind: "timeout", delayMs: d };
      if (s.reset) return { kind: "reset", delayMs: d };
      if (s.lose) return { kind: "lose", delayMs: d };
      if (s.respond) {
        const canned = CANNED[s.respond.status];
        const custom = s.respond.body !== undefined;
        return {
          kind: "respond",
          delayMs: d,
          status: s.respond.status,
          contentType: custom ? (typeof s.respond.body === "string" ? "text/plain" : "application/json") : canned?.contentType ?? "application/json",
          text: custom ? (typeof s.respond.body === "string" ? s.respond.body : JSON.stringify(s.respond.body)) : canned?.text ?? JSON.stringify({ message: `${s.respond.status}` }),
          headers: s.respond.headers ?? {},
        };
      }
      return { kind: "pass", delayMs: d };
    }
    const rates = this.config.errorRates ?? {};
    let roll = this.config.timeoutRate || this.config.resetRate || rates["500"] || rates["502"] || rates["503"] ? this.random() : 1;
    for (const status of [500, 502, 503] as const) {
      const share = rates[String(status) as "500"] ?? 0;
      if (roll < share) return { kind: "respond", delayMs, status, ...CANNED[status], headers: {} };
      roll -= share;
    }
    if (roll < (this.config.timeoutRate ?? 0)) return { kind: "timeout", delayMs };
    roll -= this.config.timeoutRate ?? 0;
    if (roll < (this.config.resetRate ?? 0)) return { kind: "reset", delayMs };
    return { kind: "pass", delayMs };
  }

  private latency(): number {
    const l = this.config.latency;
    if (!l) return 0;
    if (l.minMs !== undefined && l.maxMs !== undefined) return l.minMs + Math.floor(this.random() * (l.maxMs - l.minMs + 1));
    return l.fixedMs ?? 0;
  }
}
