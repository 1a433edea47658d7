/** contract §5 (pagination), §6 (rate limiting) and checklist lines §9.13, §9.14. */
import { useEmulator } from "./helpers";

const h = useEmulator();

/** Seeds `count` members into a new group and returns its id. */
function groupWithMembers(count: number): number {
  const tag = h.unique("p");
  const users = Array.from({ length: count }, (_, i) => ({ username: `${tag}u${i}` }));
  h.seed({ users, groups: [{ path: tag, members: users.map((u) => ({ username: u.username, accessLevel: 30 })) }] });
  return h.emu.state.findGroupByFullPath(tag)!.id;
}

describe("contract §5 / §9.13 offset pagination headers", () => {
  test("contract §9.13 first page: empty x-prev-page, next/first/last links, totals", async () => {
    const id = groupWithMembers(45);
    const r = await h.call("GET", `/api/v4/groups/${id}/members?per_page=20`);
    expect(r.body).toHaveLength(20);
    expect(r.headers.get("x-page")).toBe("1");
    expect(r.headers.get("x-per-page")).toBe("20");
    expect(r.headers.get("x-next-page")).toBe("2");
    expect(r.headers.get("x-prev-page")).toBe("");
    expect(r.headers.get("x-total")).toBe("45");
    expect(r.headers.get("x-total-pages")).toBe("3");
    const link = r.headers.get("link")!;
    expect(link).toContain(`<${h.emu.url}/api/v4/groups/${id}/members?page=2&per_page=20>; rel="next"`);
    expect(link).toContain('page=1&per_page=20>; rel="first"');
    expect(link).toContain('page=3&per_page=20>; rel="last"');
    expect(link).not.toContain('rel="prev"');
  });

  test("contract §9.13 last page: empty x-next-page, prev link, no next link", async () => {
    const id = groupWithMembers(45);
    const r = await h.call("GET", `/api/v4/groups/${id}/members?per_page=20&page=3`);
    expect(r.body).toHaveLength(5);
    expect(r.headers.get("x-next-page")).toBe("");
    expect(r.headers.get("x-prev-page")).toBe("2");
    expect(r.headers.get("link")).toContain('rel="prev"');
    expect(r.headers.get("link")).not.toContain('rel="next"');
  });

  test("contract §5 per_page above 100 is clamped to 100 (unconfirmed reading); default per_page is 20", async () => {
    const id = groupWithMembers(120);
    const r = await h.call("GET", `/api/v4/groups/${id}/members?per_page=500`);
    expect(r.body).toHaveLength(100);
    expect(r.headers.get("x-per-page")).toBe("100");
    expect((await h.call("GET", `/api/v4/groups/${id}/members`)).headers.get("x-per-page")).toBe("20");
  });

  test("contract §5 an empty result has x-total 0 and x-total-pages 1 (unconfirmed reading)", async () => {
    const r = await h.call("GET", "/api/v4/users?search=nobody-matches-this");
    expect(r.body).toEqual([]);
    expect(r.headers.get("x-total")).toBe("0");
    expect(r.headers.get("x-total-pages")).toBe("1");
  });

  test("contract §9.13 above 10,000 rows x-total, x-total-pages and rel=last are dropped", async () => {
    const id = groupWithMembers(10_001);
    const r = await h.call("GET", `/api/v4/groups/${id}/members?per_page=100`);
    expect(r.headers.get("x-total")).toBeNull();
    expect(r.headers.get("x-total-pages")).toBeNull();
    expect(r.headers.get("x-next-page")).toBe("2");
    expect(r.headers.get("link")).not.toContain('rel="last"');
    expect(r.headers.get("link")).toContain('rel="first"');
  });

  test("contract §5 a non-integer page → 400 {error: page is invalid}", async () => {
    expect((await h.call("GET", "/api/v4/users?page=abc")).body).toEqual({ error: "page is invalid" });
  });

  test("contract §5 /users offset beyond 50,000 → 405 telling to use keyset (status unconfirmed)", async () => {
    const r = await h.call("GET", "/api/v4/users?page=501&per_page=100");
    expect(r.status).toBe(405);
    expect(r.body.error).toMatch(/^Offset pagination has a maximum allowed offset of 50000 .* keyset pagination\.$/);
  });
});

describe("contract §5 keyset pagination on /users", () => {
  test("contract §5 keyset: next page only through link rel=next, no totals, last page has no link", async () => {
    const tag = h.unique("k");
    h.seed({ users: Array.from({ length: 5 }, (_, i) => ({ username: `${tag}x${i}` })) });
    const seen: number[] = [];
    let next: string | null = `/api/v4/users?search=${tag}&pagination=keyset&order_by=id&sort=asc&per_page=2`;
    let pages = 0;
    while (next) {
      const r = await h.call("GET", next);
      pages++;
      expect(r.headers.get("x-total")).toBeNull();
      seen.push(...r.body.map((u: { id: number }) => u.id));
      const m = /<([^>]+)>; rel="next"/.exec(r.headers.get("link") ?? "");
      next = m ? m[1].slice(h.emu.url.length) : null;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(seen).toHaveLength(5);
  });
});

describe("contract §6 / §9.14 rate limiting", () => {
  afterEach(async () => {
    await h.call("PUT", "/-/emulator/settings", { body: { throttle: { enabled: false }, membersDeleteLimitPerMinute: 0 } });
  });

  test("contract §6 the authenticated API throttle is off by default: no RateLimit headers", async () => {
    const r = await h.call("GET", "/api/v4/user");
    expect(r.headers.get("ratelimit-limit")).toBeNull();
  });

  test("contract §6 / §9.14 over the throttle → 429 text/plain Retry later with Retry-After and RateLimit-* headers", async () => {
    const user = h.user();
    await h.call("PUT", "/-/emulator/settings", { body: { throttle: { enabled: true, requests: 3, periodSeconds: 60 } } });
    const ok = await h.call("GET", "/api/v4/user", { token: user.token });
    expect(ok.headers.get("ratelimit-name")).toBe("throttle_authenticated_api");
    expect(ok.headers.get("ratelimit-limit")).toBe("3");
    expect(ok.headers.get("ratelimit-observed")).toBe("1");
    expect(ok.headers.get("ratelimit-remaining")).toBe("2");
    expect(Number(ok.headers.get("ratelimit-reset"))).toBeGreaterThan(h.clock.ms / 1000);
    await h.call("GET", "/api/v4/user", { token: user.token });
    await h.call("GET", "/api/v4/user", { token: user.token });
    const limited = await h.call("GET", "/api/v4/user", { token: user.token });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toBe("text/plain");
    expect(limited.text.trim()).toBe("Retry later");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("ratelimit-resettime")).toMatch(/GMT$/);
    // Another user has their own window.
    expect((await h.call("GET", "/api/v4/user")).status).toBe(200);
    // The next window admits the user again.
    h.clock.advance(60_000);
    expect((await h.call("GET", "/api/v4/user", { token: user.token })).status).toBe(200);
  });

  test("contract §6 / §9.14 members-delete limit → 429 JSON, not reported in RateLimit headers", async () => {
    const tag = h.unique("rl");
    const users = Array.from({ length: 3 }, (_, i) => ({ username: `${tag}m${i}` }));
    h.seed({ users, groups: [{ path: tag, members: users.map((u) => ({ username: u.username, accessLevel: 30 })) }] });
    await h.call("PUT", "/-/emulator/settings", { body: { membersDeleteLimitPerMinute: 2 } });
    const ids = users.map((u) => h.emu.state.findUserByUsername(u.username)!.id);
    expect((await h.call("DELETE", `/api/v4/groups/${tag}/members/${ids[0]}`)).status).toBe(204);
    expect((await h.call("DELETE", `/api/v4/groups/${tag}/members/${ids[1]}`)).status).toBe(204);
    const r = await h.call("DELETE", `/api/v4/groups/${tag}/members/${ids[2]}`);
    expect(r.status).toBe(429);
    expect(r.body).toEqual({ message: { error: "This endpoint has been requested too many times. Try again later." } });
    expect(r.headers.get("ratelimit-limit")).toBeNull();
    h.clock.advance(60_000);
    expect((await h.call("DELETE", `/api/v4/groups/${tag}/members/${ids[2]}`)).status).toBe(204);
  });
});
