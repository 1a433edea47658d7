/**
 * A GitLab client against the emulator (port 0, real HTTP) for the client's tests. The client's clock
 * is the emulator's: every wait of the client (Retry-After, backoff, pacing, breaker cooldowns) moves
 * the emulator's time instead of sleeping, and is recorded, so tests assert the order and count of
 * requests in the emulator's log and the waits asked for, never wall-clock durations.
 * After each test, every request the emulator received must be a method, path and parameters that
 * GitLab's OpenAPI description documents (tests check GitLab's state in-process, not through its API).
 */
import pino from "pino";
import { Writable } from "node:stream";
import { createGitLabClient, type GitLabCallRecord, type GitLabClient, type GitLabClientOptions } from "../../src/gitlab/client";
import type { GitLabClock } from "../../src/gitlab/clock";
import { useEmulator, type Harness } from "../gitlab-emulator/helpers";
import { loadOpenApiValidator, openApiAvailable } from "../gitlab-emulator/openapi-validator";
import type { GitLabEmulatorOptions, RequestRecord } from "../../tools/gitlab-emulator";

export interface ClientHarness {
  h: Harness;
  /** A new client (closed after the test); options override the defaults. */
  client(options?: Partial<GitLabClientOptions>): GitLabClient;
  /** Outcome records of every call of every client of the current test. */
  calls: GitLabCallRecord[];
  /** Waits the clients asked for, in order, ms. */
  sleeps: number[];
  logLines: Record<string, unknown>[];
  /** The emulator's request log since the test began. */
  requests(): RequestRecord[];
}

export function useGitLabClient(options: Omit<GitLabEmulatorOptions, "clock" | "onResponse"> = {}): ClientHarness {
  const h = useEmulator(options);
  const validator = openApiAvailable ? loadOpenApiValidator() : null;
  const open: GitLabClient[] = [];
  const harness: ClientHarness = {
    h,
    calls: [],
    sleeps: [],
    logLines: [],
    requests: () => h.emu.requests.list({ since }),
    client(overrides = {}) {
      const sink = new Writable({
        write(chunk, _enc, done) {
          for (const line of String(chunk).split("\n").filter(Boolean)) harness.logLines.push(JSON.parse(line));
          done();
        },
      });
      const client = createGitLabClient({
        url: h.emu.url,
        token: h.emu.adminToken,
        timeoutMs: 5_000,
        concurrency: 4,
        clock: emulatorTime,
        random: () => 0.5,
        onCall: (r) => harness.calls.push(r),
        logger: pino({ level: "info" }, sink),
        ...overrides,
      });
      open.push(client);
      return client;
    },
  };
  const emulatorTime: GitLabClock = {
    now: () => h.clock.ms,
    async sleep(ms, signal) {
      if (signal?.aborted) throw signal.reason;
      if (ms > 0) {
        harness.sleeps.push(ms);
        h.clock.advance(ms);
      }
      // Let real I/O run, as a real wait would.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) throw signal.reason;
    },
  };
  let since = 0;
  beforeEach(() => {
    harness.calls.length = 0;
    harness.sleeps.length = 0;
    harness.logLines.length = 0;
    const log = h.emu.requests.list();
    since = log.length ? log[log.length - 1].seq : since;
  });
  afterEach(async () => {
    for (const client of open.splice(0)) client.close();
    await h.call("DELETE", "/-/emulator/faults");
    if (!validator) return;
    const undocumented = harness.requests().map((r) => validator.checkRequest(r)).filter((p) => p !== null);
    expect(undocumented).toEqual([]);
  });
  return harness;
}
