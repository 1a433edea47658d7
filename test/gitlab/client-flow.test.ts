/**
 * How the client spends GitLab's patience (issue 10 §2, §3): retries wait as long as GitLab says
 * (Retry-After, RateLimit-Reset) or back off; permanent errors are not retried; calls are paced as
 * RateLimit-Remaining falls; at most GITLAB_CONCURRENCY calls are in flight at GitLab; and an outage of
 * GitLab as a whole opens the breaker — callers wait instead of spending their attempts, one probe at a
 * time asks whether GitLab is back, and every waiting call resumes as soon as a probe gets an answer.
 * Time is the emulator's: the client's waits move it, so these tests read the order and count of
 * requests in the emulator's log, never wall-clock durations.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { GitLabError } from "../../src/gitlab/errors";
import { blockUser } from "../../src/gitlab/user-state";
import { findUser } from "../../src/gitlab/users";
import { useGitLabClient } from "./client-harness";

const t = useGitLabClient();
const { h } = t;

async function faults(body: unknown) {
  expect((await h.call("PUT", "/-/emulator/faults", { body })).status).toBe(200);
}

const atMs = (r: { at: string }) => Date.parse(r.at);

describe("retries", () => {
  test("contract §6: a 429 with Retry-After: 7 is retried once, 7 s later on GitLab's clock", async () => {
    await faults({ script: [{ path: "/api/v4/user", times: 1, respond: { status: 429, body: { message: { error: "This endpoint has been requested too many times. Try again later." } }, headers: { "retry-after": "7" } } }] });
    const answer = await t.client().call({ method: "GET", path: "/user" });
    expect(answer.status).toBe(200);
    const log = t.requests();
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    expect(atMs(log[1]) - atMs(log[0])).toBeGreaterThanOrEqual(7_000);
    expect(t.sleeps).toEqual([7_000]);
    expect(t.calls.map((c) => [c.status, c.outcome, c.attempt])).toEqual([[429, "failure", 1], [200, "success", 2]]);
  });

  test("with the system clock the client really waits for Retry-After: 1 before its retry", async () => {
    await faults({ script: [{ path: "/api/v4/user", times: 1, respond: { status: 429, body: { message: "slow" }, headers: { "retry-after": "1" } } }] });
    const client = t.client({ clock: undefined });
    expect((await client.call({ method: "GET", path: "/user" })).status).toBe(200);
    expect(t.requests().map((r) => r.status)).toEqual([429, 200]);
    expect(t.sleeps).toEqual([]); // the emulator's time was not moved: the wait was real
  });

  test("a 429 with only RateLimit-Reset is retried at the reset time", async () => {
    const resetAt = Math.floor(h.clock.ms / 1000) + 20;
    await faults({ script: [{ path: "/api/v4/user", times: 1, respond: { status: 429, body: { message: "slow" }, headers: { "ratelimit-reset": String(resetAt) } } }] });
    await t.client().call({ method: "GET", path: "/user" });
    const log = t.requests();
    expect(log.map((r) => r.status)).toEqual([429, 200]);
    expect(atMs(log[1])).toBeGreaterThanOrEqual(resetAt * 1000);
  });

  test("a 500 is retried with growing backoff up to maxAttempts, then the retryable error goes to the caller", async () => {
    await faults({ script: [{ path: "/api/v4/user", times: 5, respond: { status: 500 } }] });
    const e = await t.client({ maxAttempts: 3 }).call({ method: "GET", path: "/user" }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(GitLabError);
    expect(e).toMatchObject({ kind: "retryable", status: 500 });
    expect(t.requests().map((r) => r.status)).toEqual([500, 500, 500]);
    expect(t.sleeps).toHaveLength(2);
    expect(t.sleeps[1]).toBeGreaterThan(t.sleeps[0]);
  });

  test("a permanent error is never retried", async () => {
    const e = await t.client().call({ method: "POST", path: "/users/999999/block" }).catch((err: unknown) => err);
    expect(e).toMatchObject({ kind: "permanent", status: 404, gitlabMessage: "404 User Not Found" });
    expect(t.requests()).toHaveLength(1);
  });
});

describe("pacing from RateLimit-* headers (contract §6)", () => {
  test("with a throttle of 10 calls a minute, 25 calls never meet a 429 and no window gets more than 10", async () => {
    await h.call("PUT", "/-/emulator/settings", { body: { throttle: { enabled: true, requests: 10, periodSeconds: 60 } } });
    try {
      const client = t.client({ concurrency: 1 });
      for (let i = 0; i < 25; i++) await client.call({ method: "GET", path: "/version" });
      const log = t.requests();
      expect(log).toHaveLength(25);
      expect(log.every((r) => r.status === 200)).toBe(true);
      const perWindow = new Map<number, number>();
      for (const r of log) perWindow.set(Math.floor(atMs(r) / 60_000), (perWindow.get(Math.floor(atMs(r) / 60_000)) ?? 0) + 1);
      expect(Math.max(...perWindow.values())).toBeLessThanOrEqual(10);
      // it slows down as Remaining falls: the first calls of the first window start without waiting
      expect(t.sleeps.length).toBeGreaterThan(0);
      expect(t.calls.slice(0, 5).every((c) => c.outcome === "success")).toBe(true);
    } finally {
      await h.call("PUT", "/-/emulator/settings", { body: { throttle: { enabled: false } } });
    }
  });
});

describe("bounded concurrency (GITLAB_CONCURRENCY)", () => {
  test.each([1, 3])("with concurrency %i, 12 parallel calls never have more than that in flight at GitLab", async (concurrency) => {
    await faults({ latency: { fixedMs: 40 } });
    await h.call("DELETE", "/-/emulator/in-flight");
    const client = t.client({ concurrency });
    await Promise.all(Array.from({ length: 12 }, () => client.call({ method: "GET", path: "/version" })));
    const inFlight = (await h.call("GET", "/-/emulator/in-flight")).body;
    expect(inFlight).toEqual({ current: 0, peak: concurrency });
    expect(t.requests()).toHaveLength(12);
  });
});

describe("the GitLab-wide breaker", () => {
  test("GitLab down for a minute (503 that ends by itself): calls wait on the breaker, a probe finds GitLab back, all resume at once", async () => {
    const user = h.user();
    await faults({ outage: { status: 503, durationMs: 60_000 } });
    const client = t.client({ concurrency: 2, maxAttempts: 2, breaker: { failureThreshold: 2, minCooldownMs: 5_000, maxCooldownMs: 20_000 } });
    const results = await Promise.all(Array.from({ length: 6 }, () => findUser(client, user.id)));
    expect(results.every((u) => u?.id === user.id)).toBe(true); // no call spent its attempts on the outage
    const log = t.requests();
    const outage = log.filter((r) => r.fault === "outage");
    const probes = log.filter((r) => r.path === "/api/v4/version");
    // only the calls in flight when it opened, plus the probes, met the outage
    expect(outage.filter((r) => r.path !== "/api/v4/version").length).toBeLessThanOrEqual(2 + 2);
    expect(probes.length).toBeGreaterThanOrEqual(2);
    expect(probes.slice(0, -1).every((r) => r.status === 503)).toBe(true);
    const answered = probes[probes.length - 1];
    expect(answered.status).toBe(200);
    // resumes at once: after the probe that got an answer, the waiting calls follow without any further wait
    const after = log.filter((r) => r.seq > answered.seq);
    expect(after).toHaveLength(6 - log.filter((r) => r.path !== "/api/v4/version" && r.status === 200 && r.seq < answered.seq).length);
    expect(after.every((r) => r.status === 200 && r.at === answered.at)).toBe(true);
    expect(client.breakerState).toBe("closed");
    // probes back off while GitLab stays down
    const probeGaps = probes.slice(1).map((p, i) => atMs(p) - atMs(probes[i]));
    expect(probeGaps.every((gap, i) => i === 0 || gap >= probeGaps[i - 1])).toBe(true);
  });

  test("Rack::Attack 429 burst (contract §6): the breaker opens for Retry-After at once, probes after it, then calls resume", async () => {
    await faults({ outage: { status: 429, durationMs: 30_000 } });
    const client = t.client();
    await client.call({ method: "GET", path: "/user" });
    const log = t.requests();
    expect(log.map((r) => [r.path, r.status])).toEqual([
      ["/api/v4/user", 429],
      ["/api/v4/version", 200],
      ["/api/v4/user", 200],
    ]);
    // Retry-After, then pacing until the RateLimit-Reset second the 429 named
    expect(t.sleeps[0]).toBe(30_000);
    expect(t.sleeps.slice(1).reduce((a, b) => a + b, 0)).toBeLessThan(1_000);
  });

  test("while the breaker is open, a call that must not wait (a start-up check) fails at once as unavailable", async () => {
    await faults({ outage: { status: 502, durationMs: 600_000 } });
    const client = t.client({ breaker: { failureThreshold: 1, minCooldownMs: 600_000 } });
    const first = await client.call({ method: "GET", path: "/user" }, { waitForGitLab: false, maxAttempts: 1 }).catch((e: unknown) => e);
    expect(first).toMatchObject({ kind: "retryable", status: 502, gitLabWide: true });
    expect(client.breakerState).not.toBe("closed");
    const second = await client.call({ method: "GET", path: "/user" }, { waitForGitLab: false }).catch((e: unknown) => e);
    expect(second).toMatchObject({ kind: "retryable", reason: "unavailable", status: null });
    expect(t.requests().filter((r) => r.path === "/api/v4/user")).toHaveLength(1);
  });

  test("a waiting call leaves when its signal aborts; closing the client fails the rest", async () => {
    // The outage outlasts many cooldowns: each probe moves the emulator's clock by one (client-harness.ts),
    // and an outage over after one probe let the waiting call through before close() (a race on I/O speed).
    await faults({ outage: { status: 503, durationMs: 1_000 * 600_000 } });
    const client = t.client({ breaker: { failureThreshold: 1, minCooldownMs: 600_000, maxCooldownMs: 600_000 } });
    const controller = new AbortController();
    const aborted = client.call({ method: "GET", path: "/user" }, { signal: controller.signal }).catch((e: unknown) => e);
    const closed = client.call({ method: "GET", path: "/version" }).catch((e: unknown) => e);
    await waitFor(() => client.breakerState !== "closed");
    controller.abort(new Error("shutting down"));
    expect(await aborted).toMatchObject({ message: "shutting down" });
    client.close();
    expect(await closed).toMatchObject({ message: "GitLab client closed" });
  });
});

describe("per-caller context", () => {
  test("each outcome record is made in its caller's async context (correlation ids for the audit log)", async () => {
    const u1 = h.user();
    const u2 = h.user();
    const context = new AsyncLocalStorage<string>();
    const seen: [string | undefined, string][] = [];
    const client = t.client({ onCall: (r) => seen.push([context.getStore(), r.path]) });
    await Promise.all([context.run("scim-req-1", () => blockUser(client, u1.id)), context.run("scim-req-2", () => blockUser(client, u2.id))]);
    expect(seen.sort()).toEqual([["scim-req-1", `/api/v4/users/${u1.id}/block`], ["scim-req-2", `/api/v4/users/${u2.id}/block`]]);
  });

  test("client.with({ signal }) carries the signal into every call of an operation, sharing the breaker", async () => {
    const u = h.user();
    await faults({ outage: { status: 503, durationMs: 600_000 } });
    const client = t.client({ breaker: { failureThreshold: 1, minCooldownMs: 600_000, maxCooldownMs: 600_000 } });
    await client.call({ method: "GET", path: "/version" }, { maxAttempts: 1, waitForGitLab: false }).catch(() => undefined);
    expect(client.breakerState).not.toBe("closed");
    const controller = new AbortController();
    const blocked = blockUser(client.with({ signal: controller.signal }), u.id).catch((e: unknown) => e);
    controller.abort(new Error("worker stopping"));
    expect(await blocked).toMatchObject({ message: "worker stopping" });
    expect(client.with({}).breakerState).toBe(client.breakerState);
    expect(t.requests().filter((r) => r.path.endsWith("/block"))).toEqual([]);
  });
});

async function waitFor(condition: () => boolean, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error("condition not met before the deadline");
    await new Promise((resolve) => setImmediate(resolve));
  }
}
