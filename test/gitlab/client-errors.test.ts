/**
 * Every failure of a GitLab call is classified (issue 10 §2): network, timeout, 5xx and 429 are
 * retryable (with Retry-After or RateLimit-Reset turned into a wait), other 4xx permanent with GitLab's
 * own message from whichever envelope it used (contract §0.1). The token never shows in an error, an
 * outcome record, a log line or an inspection of the client.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { GitLabError } from "../../src/gitlab/errors";
import { requireTokenOwner } from "../../src/gitlab/instance";
import { updateUser } from "../../src/gitlab/users";
import { useGitLabClient } from "./client-harness";

const t = useGitLabClient({ settings: { membersDeleteLimitPerMinute: 1 } });
const { h } = t;

async function failure(promise: Promise<unknown>): Promise<GitLabError> {
  const e = await promise.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(GitLabError);
  return e as GitLabError;
}

async function faults(body: unknown) {
  expect((await h.call("PUT", "/-/emulator/faults", { body })).status).toBe(200);
}

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

describe("classification of failed GitLab calls", () => {
  test("connection refused → retryable network error with the socket code", async () => {
    const client = t.client({ url: await closedPortUrl() });
    const e = await failure(client.call({ method: "GET", path: "/user" }, { maxAttempts: 1, waitForGitLab: false }));
    expect(e).toMatchObject({ kind: "retryable", reason: "network", code: "ECONNREFUSED", status: null, gitLabWide: true, path: "/api/v4/user" });
    expect(t.calls).toEqual([expect.objectContaining({ method: "GET", path: "/api/v4/user", status: null, outcome: "failure", errorKind: "retryable", reason: "network" })]);
  });

  test("no answer within GITLAB_TIMEOUT_MS → retryable timeout; the emulator saw the request", async () => {
    await faults({ script: [{ path: "/api/v4/user", times: 1, timeout: true }] });
    const client = t.client({ timeoutMs: 150 });
    const e = await failure(client.call({ method: "GET", path: "/user" }, { maxAttempts: 1 }));
    expect(e).toMatchObject({ kind: "retryable", reason: "timeout", status: null });
    expect(t.requests()).toEqual([expect.objectContaining({ path: "/api/v4/user", fault: "timeout" })]);
  });

  test("503 from GitLab's front end (HTML) → retryable, GitLab-wide, message from the page title", async () => {
    await faults({ script: [{ path: "/api/v4/user", times: 1, respond: { status: 503 } }] });
    const e = await failure(t.client().call({ method: "GET", path: "/user" }, { maxAttempts: 1 }));
    expect(e).toMatchObject({ kind: "retryable", reason: "server_error", status: 503, gitLabWide: true, gitlabMessage: "The server is temporarily unavailable (503)" });
  });

  test("contract §0.1 500 {\"message\":\"500 Internal Server Error\"} → retryable, but only this call's failure", async () => {
    await faults({ script: [{ path: "/api/v4/user", times: 1, respond: { status: 500 } }] });
    const e = await failure(t.client().call({ method: "GET", path: "/user" }, { maxAttempts: 1 }));
    expect(e).toMatchObject({ kind: "retryable", reason: "server_error", status: 500, gitLabWide: false, gitlabMessage: "500 Internal Server Error" });
  });

  test("contract §6 Rack::Attack 429 (text \"Retry later\", Retry-After) → retryable, GitLab-wide, wait from Retry-After", async () => {
    await faults({ script: [{ path: "/api/v4/user", times: 1, respond: { status: 429, body: "Retry later\n", headers: { "retry-after": "7", "ratelimit-name": "throttle_authenticated_api" } } }] });
    const e = await failure(t.client().call({ method: "GET", path: "/user" }, { maxAttempts: 1, waitForGitLab: false }));
    expect(e).toMatchObject({ kind: "retryable", reason: "rate_limited", status: 429, gitLabWide: true, retryAfterMs: 7_000, gitlabMessage: "Retry later" });
  });

  test("429 with RateLimit-Reset and no Retry-After → wait until the reset time", async () => {
    const resetAt = Math.floor(h.clock.ms / 1000) + 30;
    await faults({ script: [{ path: "/api/v4/user", times: 1, respond: { status: 429, body: { message: "slow down" }, headers: { "ratelimit-reset": String(resetAt) } } }] });
    const e = await failure(t.client().call({ method: "GET", path: "/user" }, { maxAttempts: 1 }));
    expect(e).toMatchObject({ kind: "retryable", reason: "rate_limited", gitLabWide: false, retryAfterMs: resetAt * 1000 - h.clock.ms, gitlabMessage: "slow down" });
  });

  test("contract §6 members_delete limiter 429 (JSON, no RateLimit-*) → retryable for this call only, GitLab's message kept", async () => {
    const user = h.user();
    const path = h.unique("grp");
    h.seed({ groups: [{ path, members: [{ userId: 1, accessLevel: 50 }, { userId: user.id, accessLevel: 30 }] }] });
    const group = h.emu.state.findGroupByFullPath(path)!;
    const client = t.client();
    const remove = () => client.call({ method: "DELETE", path: `/groups/${group.id}/members/${user.id}`, query: { skip_subresources: true } }, { accept: [404], maxAttempts: 1 });
    await remove();
    const e = await failure(remove());
    expect(e).toMatchObject({ kind: "retryable", status: 429, gitLabWide: false, retryAfterMs: 60_000, gitlabMessage: "This endpoint has been requested too many times. Try again later." });
  });

  test("contract §0.1 4xx → permanent, GitLab's message kept from each envelope ({message}, {error}, validation hash)", async () => {
    const client = t.client();
    const a = h.user({ email: `${h.unique("a")}@corp.example` });
    const b = h.user({ email: `${h.unique("b")}@corp.example` });
    const taken = await failure(updateUser(client, b.id, { email: h.emu.state.findUser(a.id)!.email }));
    expect(taken).toMatchObject({ kind: "permanent", reason: "conflict", status: 409, gitlabMessage: "Email has already been taken", method: "PUT", path: `/api/v4/users/${b.id}` });
    expect(taken.message).toBe(`GitLab PUT /api/v4/users/${b.id} answered 409: Email has already been taken`);
    const grape = await failure(client.call({ method: "POST", path: "/groups", body: { name: "No path" } }));
    expect(grape).toMatchObject({ kind: "permanent", reason: "client_error", status: 400, gitlabMessage: "path is missing" });
    const invalid = await failure(client.call({ method: "PUT", path: `/users/${b.id}`, body: { bio: "x".repeat(300) } }));
    expect(invalid).toMatchObject({ kind: "permanent", status: 400, gitlabMessage: "bio is too long (maximum is 255 characters)" });
    expect(t.requests().filter((r) => r.method === "PUT")).toHaveLength(2); // permanent errors are never retried
  });

  test("contract §0.1 401 for a rejected token → permanent", async () => {
    const e = await failure(requireTokenOwner(t.client({ token: "not-a-token" })));
    expect(e).toMatchObject({ kind: "permanent", status: 401, gitlabMessage: "401 Unauthorized" });
  });
});

describe("the token never leaves the client", () => {
  const SECRET = "glpat-SECRET-never-print-me-0123456789";

  test("not in errors, outcome records, logs or an inspection of the client — even when GitLab echoes it", async () => {
    h.user({ admin: true, tokens: [{ token: SECRET, scopes: ["api", "admin_mode"] }] });
    const client = t.client({ token: SECRET, breaker: { failureThreshold: 1, minCooldownMs: 1_000 } });
    await faults({
      script: [
        { path: "/api/v4/users/999999", times: 1, respond: { status: 403, body: { message: `403 Forbidden - token ${SECRET} lacks admin_mode` } } },
        { path: "/api/v4/metadata", times: 1, respond: { status: 503 } },
      ],
    });
    const errors: unknown[] = [];
    errors.push(await failure(client.call({ method: "GET", path: "/users/999999" })));
    // a GitLab-wide failure opens the breaker: its log lines are checked too
    await client.call({ method: "GET", path: "/metadata" });
    const refused = t.client({ token: SECRET, url: await closedPortUrl() });
    errors.push(await failure(refused.call({ method: "GET", path: "/user" }, { maxAttempts: 1, waitForGitLab: false })));
    expect((errors[0] as GitLabError).gitlabMessage).toBe("403 Forbidden - token [redacted] lacks admin_mode");
    expect(t.logLines.map((l) => l.msg)).toEqual(expect.arrayContaining([expect.stringMatching(/GitLab is unavailable/), expect.stringMatching(/GitLab answers again/)]));
    const texts = [
      ...errors.flatMap((e) => [String(e), (e as Error).stack ?? "", JSON.stringify(e), inspect(e, { depth: 10 })]),
      JSON.stringify(t.calls),
      JSON.stringify(t.logLines),
      inspect(client, { depth: 10, showHidden: true }),
      JSON.stringify(client),
    ];
    for (const text of texts) expect(text).not.toContain(SECRET);
  });
});
