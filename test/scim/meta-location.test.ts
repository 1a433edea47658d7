/**
 * Issue 9 "Files and links": meta.location and Location (RFC 7644 §3.1, §3.3) start with PUBLIC_URL,
 * else with the address and port the connection reached, never with what the client's Host or
 * X-Forwarded-Host says; X-Forwarded-Proto counts only from a peer TRUST_PROXY names.
 */
import http from "node:http";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { userBody } from "./scim-client";

const bridges: TestBridge[] = [];
afterAll(() => Promise.all(bridges.map((b) => b.close())));

async function bridgeWith(env: Record<string, string> = {}): Promise<TestBridge> {
  const bridge = await startTestBridge({ env });
  bridges.push(bridge);
  return bridge;
}

/** A request through node:http, which sends Host as given (fetch may not: Host is a forbidden header there). */
function request(bridge: TestBridge, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; location?: string; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(bridge.url);
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: { Authorization: `Bearer ${bridge.token}`, ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Creates a user with extra request headers; returns its meta.location, Location header and id. */
async function create(bridge: TestBridge, userName: string, headers: Record<string, string> = {}): Promise<{ location: string; header?: string; id: string }> {
  const res = await request(bridge, "POST", "/scim/v2/Users", { "Content-Type": "application/scim+json", ...headers }, JSON.stringify(userBody(userName)));
  expect(res.status).toBe(201);
  return { location: res.body.meta.location, header: res.location, id: res.body.id };
}

describe("without PUBLIC_URL", () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await bridgeWith();
  });

  it("meta.location is the listener's own address, whatever Host and X-Forwarded-* say", async () => {
    const created = await create(bridge, "listener.address", { Host: "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https" });
    expect(created.location).toBe(`${bridge.url}/scim/v2/Users/${created.id}`);
    expect(created.header).toBe(created.location);
  });

  it("a GET answers the same meta.location", async () => {
    const created = await create(bridge, "listener.get");
    const res = await request(bridge, "GET", `/scim/v2/Users/${created.id}`, { Host: "other.example" });
    expect(res.body.meta.location).toBe(created.location);
  });
});

describe("with PUBLIC_URL", () => {
  it("meta.location starts with PUBLIC_URL, whatever Host and X-Forwarded-* say", async () => {
    const bridge = await bridgeWith({ PUBLIC_URL: "https://scim.example.com/bridge/" });
    const created = await create(bridge, "public.url", { Host: "evil.example", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example" });
    expect(created.location).toBe(`https://scim.example.com/bridge/scim/v2/Users/${created.id}`);
    expect(created.header).toBe(created.location);
  });
});

describe("X-Forwarded-Proto", () => {
  it("counts from a peer TRUST_PROXY names (the test client is loopback)", async () => {
    const bridge = await bridgeWith({ TRUST_PROXY: "loopback" });
    const port = new URL(bridge.url).port;
    const created = await create(bridge, "trusted.proxy", { "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example" });
    expect(created.location).toBe(`https://127.0.0.1:${port}/scim/v2/Users/${created.id}`);
  });

  it("with TRUST_PROXY, a scheme other than http or https is not taken", async () => {
    const bridge = await bridgeWith({ TRUST_PROXY: "1" });
    const created = await create(bridge, "odd.scheme", { "X-Forwarded-Proto": "javascript" });
    expect(created.location).toBe(`${bridge.url}/scim/v2/Users/${created.id}`);
  });

  it("does not count without TRUST_PROXY, not even from loopback", async () => {
    const bridge = await bridgeWith();
    const created = await create(bridge, "untrusted.proxy", { "X-Forwarded-Proto": "https" });
    expect(created.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  });
});
