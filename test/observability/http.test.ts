/**
 * Operating basics over real HTTP on port 0, in-process, with the logger writing to a captured
 * destination: /healthz and /readyz, X-Request-Id on every response, request ids on log lines, and no
 * bearer token in any log line (issue 2 §8).
 */
import net from "node:net";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { createConnection } from "../../src/connections/connections";
import { GitLabStatus } from "../../src/gitlab/gitlab-status";
import { createHttpServer } from "../../src/http-server";
import type { HealthSources } from "../../src/observability/health";
import { createLogger } from "../../src/observability/logger";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { captureLogs, type CapturedLogs } from "./capture-logs";

interface Running {
  url: string;
  logs: CapturedLogs;
  testDb: TestDatabase;
  /** Closes the database under the running server (once). */
  closeDatabase(): Promise<void>;
  close(): Promise<void>;
}

async function startApp(health?: HealthSources): Promise<Running> {
  const testDb = await createTestDatabase();
  const logs = captureLogs();
  const config = loadConfig({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "debug" });
  const logger = createLogger(config.logLevel, logs);
  const server = createHttpServer(createApp({ config, db: testDb.db, logger, health }), config, logger);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  let closed = false;
  let databaseClosed: Promise<void> | undefined;
  const closeDatabase = () => (databaseClosed ??= testDb.close());
  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    testDb,
    closeDatabase,
    async close() {
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await closeDatabase();
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
let app: Running;

/** The "request completed" line of a request id, waited for with a deadline (it is written on close). */
async function completionLine(requestId: string | null): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const line = app.logs.records().find((r) => r.requestId === requestId && r.msg === "request completed");
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no completion line for request ${requestId} within 5 s`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

beforeAll(async () => {
  app = await startApp();
});
afterAll(async () => {
  await app?.close();
});

describe("health endpoints", () => {
  it("/healthz answers 200 while the process runs", async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });

  it("/readyz answers 200 when the database answers", async () => {
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: "ready",
      components: { database: { status: "ok", kind: app.testDb.db.kind }, reconciler: { status: "stopped", queue: { pending: 0, claimed: 0, done: 0, parked: 0 } } },
    });
  });

  it("/readyz answers 503 when the database is unreachable, /healthz still 200", async () => {
    const broken = await startApp();
    try {
      // Closes the client (and on PostgreSQL drops the database): nothing answers any more.
      await broken.closeDatabase();
      const ready = await fetch(`${broken.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: "unavailable", components: { database: { status: "unavailable", kind: broken.testDb.db.kind }, reconciler: { status: "stopped" } } });
      expect((await fetch(`${broken.url}/healthz`)).status).toBe(200);
      const warning = broken.logs.records().find((r) => r.msg === "readiness check failed");
      expect(warning).toMatchObject({ level: 40, requestId: ready.headers.get("x-request-id") });
    } finally {
      await broken.close();
    }
  });
});

describe("/readyz per component (issue 10 §1)", () => {
  const checked = { state: "ok" as const, message: null, version: "17.11.2-ee", revision: "abc123", tokenOwner: "root" };

  it("reports GitLab and the reconciler beside the database; GitLab's breaker open reads as unreachable: 200 degraded, never 503", async () => {
    let breaker: "closed" | "open" = "closed";
    const gitlab = new GitLabStatus("https://gitlab.example.com", false, () => breaker);
    gitlab.record(checked, new Date("2026-12-03T10:00:00.000Z"));
    const running = await startApp({ gitlab, reconciler: { state: () => "running" }, countsMaxAgeMs: 0 });
    try {
      const ok = await fetch(`${running.url}/readyz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({
        status: "ready",
        components: {
          database: { status: "ok", kind: running.testDb.db.kind },
          gitlab: { status: "ok", url: "https://gitlab.example.com", emulated: false, version: "17.11.2-ee", revision: "abc123", tokenOwner: "root", message: null, checkedAt: "2026-12-03T10:00:00.000Z", breaker: "closed" },
          reconciler: { status: "running", queue: { pending: 0, claimed: 0, done: 0, parked: 0 } },
        },
      });
      breaker = "open";
      const down = await fetch(`${running.url}/readyz`);
      expect(down.status).toBe(200);
      expect(await down.json()).toMatchObject({ status: "degraded", components: { gitlab: { status: "unreachable", breaker: "open", version: "17.11.2-ee", message: expect.stringContaining("stopped answering") } } });
    } finally {
      await running.close();
    }
  });

  it("answers 503 only when the database fails, and still reports GitLab", async () => {
    const gitlab = new GitLabStatus("https://gitlab.example.com", false, () => "closed");
    gitlab.record(checked, new Date());
    const broken = await startApp({ gitlab });
    try {
      await broken.closeDatabase();
      const ready = await fetch(`${broken.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: "unavailable", components: { database: { status: "unavailable" }, gitlab: { status: "ok" }, reconciler: { status: "stopped" } } });
    } finally {
      await broken.close();
    }
  });
});

describe("X-Request-Id", () => {
  it.each([
    ["/healthz", 200],
    ["/readyz", 200],
    ["/no/such/endpoint", 404],
    ["/scim/v2/Users", 401],
  ])("is on every response: GET %s (%i)", async (pathname, status) => {
    const res = await fetch(`${app.url}${pathname}`);
    expect(res.status).toBe(status);
    expect(res.headers.get("x-request-id")).toMatch(UUID);
  });

  it("is new for every request", async () => {
    const ids = await Promise.all([1, 2, 3].map(async () => (await fetch(`${app.url}/healthz`)).headers.get("x-request-id")));
    expect(new Set(ids).size).toBe(3);
  });

  it("is the server's own even when the client sends one (issue 9: a client cannot choose the audit request id)", async () => {
    const res = await fetch(`${app.url}/healthz`, { headers: { "X-Request-Id": "entra-3f2a:job.17_retry-2" } });
    expect(res.headers.get("x-request-id")).toMatch(UUID);
  });

  it.each([
    ["a sane id", "entra-3f2a:job.17_retry-2", "entra-3f2a:job.17_retry-2"],
    ["spaces and markup", "abc <script>alert(1)</script>", "abc__script_alert_1__/script_"],
    ["a log-forging attempt", 'abc" level=60 msg="forged', "abc__level=60_msg=_forged"],
    ["an overlong value", "a".repeat(129), "a".repeat(128)],
  ])("logs a client's X-Request-Id (%s) beside the server's, sanitised and at most 128 characters", async (_name, sent, logged) => {
    const res = await fetch(`${app.url}/healthz`, { headers: { "X-Request-Id": sent } });
    const requestId = res.headers.get("x-request-id");
    const line = await completionLine(requestId);
    expect(line).toMatchObject({ requestId, clientRequestId: logged });
    if (sent !== logged) expect(app.logs.lines.join("\n")).not.toContain(sent);
  });

  it("logs no clientRequestId when the client sends none", async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(await completionLine(res.headers.get("x-request-id"))).not.toHaveProperty("clientRequestId");
  });

  it("the audit event of a SCIM write carries the server's request id, and its log lines the client's beside it", async () => {
    const created = await createConnection(app.testDb.db.prisma, { name: "audit-request-id", idp: "generic", actor: "test" });
    const res = await fetch(`${app.url}/scim/v2/Users`, {
      method: "POST",
      headers: { Authorization: `Bearer ${created.token.token}`, "Content-Type": "application/scim+json", "X-Request-Id": "idp-chosen-id" },
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "audit.request.id" }),
    });
    expect(res.status).toBe(201);
    const requestId = res.headers.get("x-request-id");
    expect(requestId).toMatch(UUID);
    const events = await app.testDb.db.prisma.auditEvent.findMany({ where: { connectionId: created.id, action: { startsWith: "scim." } } });
    expect(events.map((e) => e.requestId)).toEqual([requestId]);
    expect(await completionLine(requestId)).toMatchObject({ requestId, clientRequestId: "idp-chosen-id" });
  });
});

describe("JSON logs", () => {
  it("every line is JSON, and a request's completion line carries its request id", async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    app.logs.records(); // throws if a line is not JSON
    const line = await completionLine(res.headers.get("x-request-id"));
    expect(line).toMatchObject({ service: "gitlab-scim-bridge", msg: "request completed", res: { statusCode: 200 }, req: { method: "GET", url: "/healthz" } });
  });

  it("a client that goes away before the answer leaves a \"request aborted\" line with its request id", async () => {
    // Expect: 100-continue makes Node answer "100 Continue" when it hands the request to the app, so
    // the client knows the request is in flight; it then sends part of the body and hangs up. With a
    // token: without one, the answer (401) comes before the body is read.
    const created = await createConnection(app.testDb.db.prisma, { name: "gone-early", idp: "generic", actor: "test" });
    const socket = net.connect(Number(new URL(app.url).port), "127.0.0.1");
    const continued = new Promise<string>((resolve) => socket.once("data", (chunk) => resolve(String(chunk))));
    socket.write(`POST /scim/v2/Users?x=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${created.token.token}\r\nX-Request-Id: gone-early-1\r\nContent-Type: application/scim+json\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n`);
    expect(await continued).toContain("100 Continue");
    socket.end("{");
    socket.destroy();
    const deadline = Date.now() + 5000;
    let line: Record<string, unknown> | undefined;
    while (!(line = app.logs.records().find((r) => r.clientRequestId === "gone-early-1"))) {
      if (Date.now() > deadline) throw new Error("no log line for the aborted request within 5 s");
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(line).toMatchObject({ level: 40, msg: "request aborted", req: { method: "POST", url: "/scim/v2/Users" } });
  });

  it("never contains a bearer token: not a valid one, not an invalid one, not one in the query string", async () => {
    const created = await createConnection(app.testDb.db.prisma, { name: "log-check", idp: "generic", actor: "test" });
    const valid = created.token.token;
    const invalid = "gsb_thisIsNotARealTokenButStillASecret0123456789abcdef";
    const requests = [
      fetch(`${app.url}/scim/v2/Users?count=1`, { headers: { Authorization: `Bearer ${valid}` } }),
      fetch(`${app.url}/scim/v2/Users`, { headers: { Authorization: `Bearer ${invalid}` } }),
      fetch(`${app.url}/scim/v2/Users`, {
        method: "POST",
        headers: { Authorization: `Bearer ${valid}`, "Content-Type": "application/scim+json" },
        body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "log.check@example.com" }),
      }),
      fetch(`${app.url}/scim/v2/Users`, { method: "POST", headers: { Authorization: `Bearer ${valid}`, "Content-Type": "application/scim+json" }, body: "{not json" }),
      fetch(`${app.url}/healthz?access_token=${valid}&private_token=${invalid}`),
    ];
    const responses = await Promise.all(requests);
    const ids = responses.map((res) => res.headers.get("x-request-id"));
    expect(ids.every((id) => id && UUID.test(id))).toBe(true);
    // Wait (with a deadline) until each request's completion line is written.
    const deadline = Date.now() + 5000;
    while (!ids.every((id) => app.logs.records().some((r) => r.requestId === id && r.msg === "request completed"))) {
      if (Date.now() > deadline) throw new Error("completion log lines did not appear within 5 s");
      await new Promise((resolve) => setImmediate(resolve));
    }
    const all = app.logs.lines.join("\n");
    for (const secret of [valid, invalid]) {
      expect(all).not.toContain(secret);
      // Not even the secret part: only the display prefix (gsb_ + 6 characters) may appear.
      expect(all).not.toContain(secret.slice(12));
    }
  });
});
