/**
 * The emulator's own surface (/-/emulator: seed, state, requests, in-flight, reset, settings, faults,
 * clock) and fault injection, including an outage that ends by itself on the emulator's clock.
 */
import { request } from "node:http";
import { useEmulator } from "./helpers";

const h = useEmulator();

afterEach(async () => {
  await h.call("DELETE", "/-/emulator/faults");
});

/** Raw request that reports a cut connection or a missing answer instead of throwing. */
function rawGet(path: string, timeoutMs: number): Promise<{ status?: number; error?: string }> {
  return new Promise((resolve) => {
    const url = new URL(h.emu.url + path);
    const req = request({ host: url.hostname, port: url.port, path, headers: { "private-token": h.emu.adminToken }, agent: false });
    req.setTimeout(timeoutMs, () => {
      req.destroy();
      resolve({ error: "timeout" });
    });
    req.on("response", (res) => {
      res.resume();
      resolve({ status: res.statusCode });
    });
    req.on("error", (e) => resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message }));
    req.end();
  });
}

describe("/-/emulator control routes", () => {
  test("every /-/emulator route needs the emulator admin token, not just any admin token", async () => {
    const adminToken = h.unique("other-admin-");
    h.user({ admin: true, tokens: [{ token: adminToken, scopes: ["api", "admin_mode"] }] });
    for (const path of ["/-/emulator/state", "/-/emulator/requests", "/-/emulator/faults", "/-/emulator/settings"]) {
      expect((await h.call("GET", path, { token: null })).status).toBe(401);
      expect((await h.call("GET", path, { token: adminToken })).status).toBe(401);
      expect((await h.call("GET", path)).status).toBe(200);
    }
  });

  test("the emulator admin token is a PAT of the seeded admin root (user id 1)", async () => {
    expect((await h.call("GET", "/api/v4/user")).body).toMatchObject({ id: 1, username: "root", is_admin: true });
  });

  test("POST /-/emulator/seed adds users and groups; a bad seed → 400 naming the element", async () => {
    const username = h.unique("seeded");
    const r = await h.call("POST", "/-/emulator/seed", { body: { users: [{ username, recentlyActive: true }], groups: [{ path: username, members: [{ username, accessLevel: 40 }] }] } });
    expect(r).toMatchObject({ status: 201, body: { users: 1, groups: 1, members: 1 } });
    expect((await h.call("GET", `/api/v4/users?username=${username}`)).body).toHaveLength(1);
    const bad = await h.call("POST", "/-/emulator/seed", { body: { users: [{ username: "ok1" }, { name: "no username" }] } });
    expect(bad).toMatchObject({ status: 400, body: { error: "seed.users[1] .username is required" } });
  });

  test("GET /-/emulator/requests records calls with route, body and caller; filters by path prefix", async () => {
    const before = (await h.call("GET", "/-/emulator/requests")).body as { seq: number }[];
    const since = before.length ? before[before.length - 1].seq : 0;
    await h.call("POST", "/api/v4/groups", { body: { name: "Rec", path: h.unique("rec") } });
    const r = await h.call("GET", `/-/emulator/requests?since=${since}&path_prefix=/api/v4/groups`);
    expect(r.body).toEqual([expect.objectContaining({ method: "POST", path: "/api/v4/groups", route: "/api/v4/groups", userId: 1, status: 201, body: expect.objectContaining({ name: "Rec" }) })]);
  });

  test("GET /-/emulator/state dumps users, groups, members and settings", async () => {
    const r = await h.call("GET", "/-/emulator/state");
    expect(r.body).toMatchObject({ settings: expect.any(Object), users: expect.any(Array), groups: expect.any(Array), members: expect.any(Array) });
    expect(r.body.users[0]).toMatchObject({ id: 1, username: "root" });
  });

  test("unknown settings are refused with the key named", async () => {
    const r = await h.call("PUT", "/-/emulator/settings", { body: { nope: 1 } });
    expect(r).toMatchObject({ status: 400, body: { error: "settings.nope is not a known setting" } });
  });
});

describe("fault injection", () => {
  test("a scripted fault fails the next N calls of a route with the given status, then the route recovers", async () => {
    const user = h.user();
    await h.call("PUT", "/-/emulator/faults", { body: { script: [{ method: "POST", route: "/api/v4/users/{id}/block", times: 2, respond: { status: 503 } }] } });
    const first = await h.call("POST", `/api/v4/users/${user.id}/block`);
    expect(first.status).toBe(503);
    expect(first.headers.get("content-type")).toContain("text/html");
    expect((await h.call("POST", `/api/v4/users/${user.id}/block`)).status).toBe(503);
    expect((await h.call("POST", `/api/v4/users/${user.id}/block`)).status).toBe(201);
  });

  test("a scripted 500 answers GitLab's JSON 500 body; a custom body and headers can be scripted", async () => {
    await h.call("PUT", "/-/emulator/faults", {
      body: { script: [{ path: "/api/v4/user", times: 1, respond: { status: 500 } }, { path: "/api/v4/version", times: 1, respond: { status: 429, body: { message: "custom" }, headers: { "retry-after": "7" } } }] },
    });
    expect(await h.call("GET", "/api/v4/user")).toMatchObject({ status: 500, body: { message: "500 Internal Server Error" } });
    const custom = await h.call("GET", "/api/v4/version");
    expect(custom).toMatchObject({ status: 429, body: { message: "custom" } });
    expect(custom.headers.get("retry-after")).toBe("7");
  });

  test("an error share of 1.0 for 502 fails every API call; /-/emulator stays reachable", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { errorRates: { "502": 1 } } });
    expect((await h.call("GET", "/api/v4/user")).status).toBe(502);
    expect((await h.call("GET", "/-/emulator/faults")).status).toBe(200);
  });

  test("error shares are applied in proportion with a seeded generator", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { errorRates: { "500": 0.5 }, randomSeed: 42 } });
    const statuses = [];
    for (let i = 0; i < 40; i++) statuses.push((await h.call("GET", "/api/v4/version")).status);
    const failures = statuses.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(8);
    expect(failures).toBeLessThan(32);
  });

  test("a connection reset cuts the socket without an answer", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { script: [{ path: "/api/v4/user", times: 1, reset: true }] } });
    const r = await rawGet("/api/v4/user", 5_000);
    expect(r.error).toBe("ECONNRESET");
  });

  test("a timeout never answers (the client gives up); the request is still recorded", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { script: [{ path: "/api/v4/metadata", times: 1, timeout: true }] } });
    const r = await rawGet("/api/v4/metadata", 200);
    expect(r.error).toBe("timeout");
    const log = (await h.call("GET", "/-/emulator/requests?path_prefix=/api/v4/metadata")).body as { fault?: string }[];
    expect(log[log.length - 1].fault).toBe("timeout");
  });

  test("fixed latency delays the answer by at least the configured time", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { latency: { fixedMs: 120 } } });
    const started = performance.now();
    expect((await h.call("GET", "/api/v4/version")).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  test("random latency stays within [minMs, maxMs]; invalid fault configs → 400 naming the key", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { latency: { minMs: 0, maxMs: 20 } } });
    const started = performance.now();
    await h.call("GET", "/api/v4/version");
    expect(performance.now() - started).toBeLessThan(1_000);
    const bad = await h.call("PUT", "/-/emulator/faults", { body: { errorRates: { "500": 2 } } });
    expect(bad).toMatchObject({ status: 400, body: { error: "faults.errorRates.500 must be a number between 0 and 1" } });
  });
});

describe("an outage that ends by itself (issue 10: GitLab down for a minute, throttling bursts)", () => {
  test("503 for 60 s: every API call answers GitLab's 503 page until the emulator's clock has moved 60 s, then GitLab answers", async () => {
    const set = await h.call("PUT", "/-/emulator/faults", { body: { outage: { status: 503, durationMs: 60_000 } } });
    expect(set.body.outage).toMatchObject({ status: 503, durationMs: 60_000, endsAt: new Date(h.clock.ms + 60_000).toISOString() });
    const down = await h.call("GET", "/api/v4/version");
    expect(down.status).toBe(503);
    expect(down.headers.get("content-type")).toContain("text/html");
    expect((await h.call("GET", "/-/emulator/state")).status).toBe(200); // the control surface stays up
    h.clock.advance(59_999);
    expect((await h.call("GET", "/api/v4/user")).status).toBe(503);
    h.clock.advance(1);
    expect((await h.call("GET", "/api/v4/user")).status).toBe(200);
    const log = (await h.call("GET", "/-/emulator/requests?path_prefix=/api/v4")).body as { fault?: string; status: number }[];
    expect(log.slice(-3).map((r) => [r.status, r.fault])).toEqual([[503, "outage"], [503, "outage"], [200, undefined]]);
  });

  test("contract §6 a 429 burst answers Rack::Attack's text \"Retry later\" with Retry-After (the seconds left) and RateLimit-* headers", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { outage: { status: 429, durationMs: 10_500 } } });
    const r = await h.call("GET", "/api/v4/user");
    expect(r).toMatchObject({ status: 429, text: "Retry later\n" });
    expect(r.headers.get("content-type")).toContain("text/plain");
    expect(r.headers.get("retry-after")).toBe("11");
    expect(r.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(r.headers.get("ratelimit-reset"))).toBe(Math.ceil((h.clock.ms + 10_500) / 1000));
    h.clock.advance(8_000);
    expect((await h.call("GET", "/api/v4/user")).headers.get("retry-after")).toBe("3");
  });

  test("an outage with a fixed Retry-After and a bad outage config → 400 naming the key", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { outage: { status: 503, durationMs: 1_000, retryAfterSeconds: 5 } } });
    expect((await h.call("GET", "/api/v4/user")).headers.get("retry-after")).toBe("5");
    const bad = await h.call("PUT", "/-/emulator/faults", { body: { outage: { status: 200, durationMs: 1 } } });
    expect(bad).toMatchObject({ status: 400, body: { error: "faults.outage.status must be an HTTP error status (400-599)" } });
    const bad2 = await h.call("PUT", "/-/emulator/faults", { body: { outage: { status: 503 } } });
    expect(bad2).toMatchObject({ status: 400, body: { error: "faults.outage.durationMs must be an integer ≥ 1" } });
  });
});

describe("the emulator's clock (/-/emulator/clock)", () => {
  test("contract §1.4 PUT advanceMs moves GitLab's time forward: a recently active user becomes dormant and can be deactivated", async () => {
    const user = h.user({ recentlyActive: true });
    expect((await h.call("POST", `/api/v4/users/${user.id}/deactivate`)).status).toBe(403);
    const before = (await h.call("GET", "/-/emulator/clock")).body;
    const moved = await h.call("PUT", "/-/emulator/clock", { body: { advanceMs: 91 * 86_400_000 } });
    expect(moved.status).toBe(200);
    expect(Date.parse(moved.body.now) - Date.parse(before.now)).toBe(91 * 86_400_000);
    expect(moved.body.offsetMs).toBe(before.offsetMs + 91 * 86_400_000);
    expect(await h.call("POST", `/api/v4/users/${user.id}/deactivate`)).toMatchObject({ status: 201, body: true });
  });

  test("the clock only moves forward: a negative or missing advanceMs → 400 naming the key", async () => {
    expect(await h.call("PUT", "/-/emulator/clock", { body: { advanceMs: -1 } })).toMatchObject({ status: 400, body: { error: "clock.advanceMs must be an integer ≥ 0, got -1" } });
    expect((await h.call("PUT", "/-/emulator/clock", { body: {} })).status).toBe(400);
  });
});

describe("/-/emulator/in-flight", () => {
  test("counts API calls being answered and the most at once; DELETE resets the peak", async () => {
    await h.call("PUT", "/-/emulator/faults", { body: { latency: { fixedMs: 60 } } });
    await h.call("DELETE", "/-/emulator/in-flight");
    const calls = Promise.all([1, 2, 3].map(() => h.call("GET", "/api/v4/version")));
    const during = await waitForInFlight(3);
    expect(during).toEqual({ current: 3, peak: 3 });
    await calls;
    expect((await h.call("GET", "/-/emulator/in-flight")).body).toEqual({ current: 0, peak: 3 });
    await h.call("DELETE", "/-/emulator/in-flight");
    expect((await h.call("GET", "/-/emulator/in-flight")).body).toEqual({ current: 0, peak: 0 });
  });
});

async function waitForInFlight(n: number): Promise<{ current: number; peak: number }> {
  const until = Date.now() + 5_000;
  for (;;) {
    const body = (await h.call("GET", "/-/emulator/in-flight")).body;
    if (body.current >= n || Date.now() > until) return body;
  }
}

describe("/-/emulator/reset", () => {
  test("reset returns to the start-up state: root only, no faults, empty request log", async () => {
    const username = h.unique("gone");
    h.user({ username });
    await h.call("PUT", "/-/emulator/faults", { body: { latency: { fixedMs: 1 } } });
    expect((await h.call("POST", "/-/emulator/reset")).status).toBe(204);
    expect((await h.call("GET", `/api/v4/users?username=${username}`)).body).toEqual([]);
    expect((await h.call("GET", "/-/emulator/faults")).body).toEqual({ script: [] });
    const users = (await h.call("GET", "/-/emulator/state")).body.users;
    expect(users.map((u: { username: string }) => u.username)).toEqual(["root"]);
  });
});
