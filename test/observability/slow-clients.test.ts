/**
 * Issue 9 "Slow clients": what a client without a token can hold is bounded by the HTTP_* limits of
 * the one server factory (src/http-server.ts) that npm start and this test bridge share. A trickling
 * client is cut off at the timeout, an idle keep-alive connection is closed, and a connection beyond
 * HTTP_MAX_CONNECTIONS is refused. Waits are on the socket's close, each with a deadline.
 */
import net from "node:net";
import { ConfigError, loadConfig } from "../../src/config";
import { startTestBridge, type TestBridge } from "../helpers/bridge";

/** How long a test waits for the server to act; far below Node's defaults (60 s headers, 300 s request). */
const DEADLINE_MS = 5_000;

interface Client {
  socket: net.Socket;
  /** Everything the server sent, once it closed the connection (rejects after the deadline). */
  closed: Promise<string>;
}

function connect(url: string, deadlineMs = DEADLINE_MS): Client {
  const socket = net.connect(Number(new URL(url).port), "127.0.0.1");
  let received = "";
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (received += chunk));
  socket.on("error", () => undefined); // a reset is a close too
  const closed = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server kept the connection open for ${deadlineMs} ms; received: ${JSON.stringify(received)}`)), deadlineMs);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
  return { socket, closed };
}

/** Writes `text` a byte at a time, then `filler` bytes forever, every `everyMs`, until the socket closes. */
function trickle(client: Client, text: string, filler: string, everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => {
    if (client.socket.destroyed || !client.socket.writable) return clearInterval(timer);
    client.socket.write(i < text.length ? text[i] : filler);
    i++;
  }, everyMs);
  client.socket.on("close", () => clearInterval(timer));
}

/** Sends one request on an open connection and resolves once a whole response head has come back. */
function requestOn(client: Client, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onData = (chunk: string) => {
      seen += chunk;
      if (seen.includes("\r\n\r\n")) {
        client.socket.off("data", onData);
        resolve(seen);
      }
    };
    client.socket.on("data", onData);
    client.socket.once("close", () => reject(new Error(`closed before an answer; received ${JSON.stringify(seen)}`)));
    client.socket.write(text);
  });
}

describe("timeouts (HTTP_HEADERS_TIMEOUT_MS=500, HTTP_REQUEST_TIMEOUT_MS=1000, HTTP_KEEP_ALIVE_TIMEOUT_MS=300)", () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge({ env: { HTTP_HEADERS_TIMEOUT_MS: "500", HTTP_REQUEST_TIMEOUT_MS: "1000", HTTP_KEEP_ALIVE_TIMEOUT_MS: "300" } });
  });
  afterAll(() => bridge?.close());

  it("a client trickling its headers a byte every 50 ms is answered 408 and cut off at the headers timeout", async () => {
    const client = connect(bridge.url);
    trickle(client, "GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\nX-Slow: ", "a", 50);
    expect((await client.closed).split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
  });

  it("a client trickling its body a byte every 50 ms is answered 408 and cut off at the request timeout", async () => {
    const client = connect(bridge.url);
    client.socket.write(`POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${bridge.token}\r\nContent-Type: application/scim+json\r\nContent-Length: 100000\r\n\r\n`);
    trickle(client, "", " ", 50);
    expect((await client.closed).split("\r\n")[0]).toBe("HTTP/1.1 408 Request Timeout");
  });

  it("an unauthenticated client trickling a body it announced is cut off too", async () => {
    const client = connect(bridge.url);
    client.socket.write("POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Type: application/scim+json\r\nContent-Length: 100000\r\n\r\n");
    trickle(client, "", " ", 50);
    expect((await client.closed).split("\r\n")[0]).toBe("HTTP/1.1 401 Unauthorized");
  });

  it("an idle keep-alive connection is closed after the keep-alive timeout", async () => {
    const client = connect(bridge.url);
    const head = await requestOn(client, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(head.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    await client.closed;
  });
});

describe("connection cap (HTTP_MAX_CONNECTIONS=2)", () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge({ env: { HTTP_MAX_CONNECTIONS: "2" } });
  });
  afterAll(() => bridge?.close());

  it("a third connection is closed unanswered; once one closes, a new one is served", async () => {
    const healthz = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    const first = connect(bridge.url, 60_000);
    const second = connect(bridge.url, 60_000);
    // Answered: both are counted by the server before the third arrives.
    expect((await requestOn(first, healthz)).split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect((await requestOn(second, healthz)).split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    const third = connect(bridge.url);
    third.socket.write(healthz);
    expect(await third.closed).toBe("");
    first.socket.destroy();
    await first.closed;
    // The server learns of the close asynchronously: retry until a connection is served, with a deadline.
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const next = connect(bridge.url);
      const answered = await requestOn(next, healthz).catch(() => undefined);
      next.socket.destroy();
      if (answered) {
        expect(answered.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
        break;
      }
      if (Date.now() > deadline) throw new Error(`no connection served within ${DEADLINE_MS} ms after one of two closed`);
    }
    second.socket.destroy();
  });
});

describe("configuration refusals name the variable", () => {
  it.each([
    [{ HTTP_HEADERS_TIMEOUT_MS: "20000", HTTP_REQUEST_TIMEOUT_MS: "15000" }, /^HTTP_REQUEST_TIMEOUT_MS must be between 20000 and 600000/],
    [{ HTTP_HEADERS_TIMEOUT_MS: "soon" }, /^HTTP_HEADERS_TIMEOUT_MS must be a whole number/],
    [{ HTTP_MAX_CONNECTIONS: "0" }, /^HTTP_MAX_CONNECTIONS must be between 1 and/],
    [{ HTTP_KEEP_ALIVE_TIMEOUT_MS: "-1" }, /^HTTP_KEEP_ALIVE_TIMEOUT_MS must be a whole number/],
    [{ TRUST_PROXY: "yes please" }, /^TRUST_PROXY must be a hop count, or a comma-separated list/],
    [{ TRUST_PROXY: "10.0.0.0/33" }, /^TRUST_PROXY must be .*"10\.0\.0\.0\/33" is none of these/],
  ])("%j is refused", (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it("TRUST_PROXY takes a hop count or addresses, subnets and Express's names", () => {
    expect(loadConfig({ TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8, ::1" }).trustProxy).toEqual(["loopback", "10.0.0.0/8", "::1"]);
    expect(loadConfig({}).trustProxy).toBe(false);
  });
});
