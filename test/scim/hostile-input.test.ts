/**
 * Issue 9 "No 500 from any client input": each client mistake the issue names answers a 4xx SCIM
 * Error body (RFC 7644 §3.12) and leaves the store as it was; the bearer token is read from the
 * Authorization header only (RFC 6750 §2.1) and checked before the body is read.
 */
import net from "node:net";
import zlib from "node:zlib";
import { MAX_JSON_DEPTH } from "../../src/scim/http/json-safety";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { createUser, ERROR_SCHEMA, PATCH_OP, scimClient, snapshotStore, userBody, USER_SCHEMA } from "./scim-client";

let bridge: TestBridge;
let userId: string;

beforeAll(async () => {
  bridge = await startTestBridge();
  userId = (await createUser(scimClient(bridge), "existing")).id;
});
afterAll(() => bridge?.close());

interface Sent {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function send(method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string>; token?: string | null } = {}): Promise<Sent> {
  const headers: Record<string, string> = { ...(options.body !== undefined ? { "Content-Type": "application/scim+json" } : {}), ...options.headers };
  if (options.token !== null) headers.Authorization = `Bearer ${options.token ?? bridge.token}`;
  const res = await fetch(`${bridge.url}/scim/v2${path}`, { method, headers, body: options.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function expectScimError(res: Sent, status: number, scimType?: string): void {
  expect({ status: res.status, contentType: res.headers.get("content-type") }).toEqual({ status, contentType: "application/scim+json; charset=utf-8" });
  expect(res.body).toMatchObject({ schemas: [ERROR_SCHEMA], status: String(status), detail: expect.any(String) });
  expect(res.body.scimType).toBe(scimType);
}

/** A user body as raw JSON text, with `extra` spliced in verbatim (escapes and number literals kept). */
const userText = (userName: string, extra = "") => `{"schemas":["${USER_SCHEMA}"],"userName":"${userName}"${extra}}`;

function nested(depth: number): string {
  return "[".repeat(depth) + "]".repeat(depth);
}

const refused: Array<[string, () => Promise<Sent>, number, string | undefined]> = [
  ["NUL in a string value", () => send("POST", "/Users", { body: userText("nul\\u0000name") }), 400, "invalidValue"],
  ["NUL in a key", () => send("POST", "/Users", { body: userText("nul.key", ',"x\\u0000":1') }), 400, "invalidValue"],
  ["a lone high surrogate in a value", () => send("POST", "/Users", { body: userText("lone\\ud800") }), 400, "invalidValue"],
  ["a lone low surrogate in a key", () => send("POST", "/Users", { body: userText("lone.key", ',"\\udc00":1') }), 400, "invalidValue"],
  ["a NUL deep inside a PATCH value", () => send("PATCH", `/Users/${userId}`, { body: `{"schemas":["${PATCH_OP}"],"Operations":[{"op":"replace","path":"name","value":{"givenName":"a\\u0000"}}]}` }), 400, "invalidValue"],
  ["JSON nested 3,000 deep", () => send("POST", "/Users", { body: userText("deep", `,"x":${nested(3000)}`) }), 400, "invalidSyntax"],
  [`JSON nested one level beyond the limit (${MAX_JSON_DEPTH})`, () => send("POST", "/Users", { body: userText("deep", `,"x":${nested(MAX_JSON_DEPTH)}`) }), 400, "invalidSyntax"],
  ["startIndex=1e20", () => send("GET", "/Users?startIndex=1e20"), 400, "invalidValue"],
  ["count=1e400", () => send("GET", "/Users?count=1e400"), 400, "invalidValue"],
  ["startIndex 1e20 in a SearchRequest body", () => send("POST", "/Users/.search", { body: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"startIndex":1e20}' }), 400, "invalidValue"],
  ["a number beyond JSON's range (1e400) in a body", () => send("POST", "/Users", { body: userText("huge", ',"title":1e400') }), 400, "invalidValue"],
  ["bad percent-encoding: /Users/%", () => send("GET", "/Users/%"), 400, undefined],
  ["bad percent-encoding: /Users/%E0%A4%A", () => send("PUT", "/Users/%E0%A4%A", { body: userText("x") }), 400, undefined],
  ["a corrupt gzip body", () => send("POST", "/Users", { body: Buffer.from("not gzip at all"), headers: { "Content-Encoding": "gzip" } }), 400, "invalidSyntax"],
  ["a truncated gzip body", () => send("POST", "/Users", { body: zlib.gzipSync(userText("trunc")).subarray(0, 20), headers: { "Content-Encoding": "gzip" } }), 400, "invalidSyntax"],
  ["an unknown Content-Encoding (RFC 9110 §15.5.16: 415)", () => send("POST", "/Users", { body: userText("coded"), headers: { "Content-Encoding": "compress" } }), 415, undefined],
  ["a filter literal whose escape spells NUL", () => send("GET", `/Users?filter=${encodeURIComponent('userName eq "\\u0000"')}`), 400, "invalidFilter"],
  ["a PATCH with a blank path and a list value (once a recursion without end)", () => send("PATCH", `/Users/${userId}`, { body: JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "", value: [] }] }) }), 400, "invalidValue"],
];

test.each(refused)("issue 9: %s is a 4xx SCIM error and changes nothing", async (_name, request, status, scimType) => {
  const before = await snapshotStore(bridge);
  expectScimError(await request(), status, scimType);
  expect(await snapshotStore(bridge)).toEqual(before);
});

test(`JSON nested exactly ${MAX_JSON_DEPTH} levels is read (an unknown attribute, ignored)`, async () => {
  const res = await send("POST", "/Users", { body: userText("deep.ok", `,"x":${nested(MAX_JSON_DEPTH - 1)}`) });
  expect(res.status).toBe(201);
});

test.each(["constructor", "__proto__", "toString"])("an attribute named %s (an Object.prototype member) is an unknown attribute, ignored", async (name) => {
  const res = await send("POST", "/Users", { body: userText(`proto.${name.replace(/_/g, "")}`, `,"${name}":{"a":{"b":1}},"name":{"${name}":"x","givenName":"G"}`) });
  expect(res.status).toBe(201);
  expect(Object.keys(res.body)).not.toContain(name);
  expect(res.body.name).toEqual({ givenName: "G" });
});

test("RFC 9110 §15.5.16 a 415 for an unknown coding names the codings accepted", async () => {
  const res = await send("POST", "/Users", { body: userText("coded"), headers: { "Content-Encoding": "compress" } });
  expect(res.headers.get("accept-encoding")).toBe("gzip, deflate, br, identity");
});

test("a gzip body that decodes is read", async () => {
  const res = await send("POST", "/Users", { body: zlib.gzipSync(JSON.stringify(userBody("gzipped"))), headers: { "Content-Encoding": "gzip" } });
  expect(res.status).toBe(201);
});

describe("RFC 6750 §2.1 the token is read from the Authorization header only", () => {
  it.each([
    ["?access_token=a&access_token=b", () => "?access_token=a&access_token=b"],
    ["a valid token as ?access_token", () => `?access_token=${bridge.token}`],
  ])("%s is 401 with WWW-Authenticate", async (_name, query) => {
    const res = await send("GET", `/Users${query()}`, { token: null });
    expectScimError(res, 401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="SCIM"');
  });

  it("a valid token as access_token in the body is 401", async () => {
    const before = await snapshotStore(bridge);
    const res = await send("POST", "/Users", { body: JSON.stringify({ ...userBody("body.token"), access_token: bridge.token }), token: null });
    expectScimError(res, 401);
    expect(await snapshotStore(bridge)).toEqual(before);
  });
});

describe("the token is checked before the body is read", () => {
  it("an unauthenticated 1 MB POST of broken JSON is 401, not a parse error", async () => {
    const res = await send("POST", "/Users", { body: "{".repeat(1024 * 1024), token: "wrong" });
    expectScimError(res, 401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="SCIM", error="invalid_token"');
  });

  it("an unauthenticated POST announcing 1 MB is answered 401 before any of the body is sent", async () => {
    const socket = net.connect(Number(new URL(bridge.url).port), "127.0.0.1");
    try {
      const answer = new Promise<string>((resolve, reject) => {
        let text = "";
        socket.setEncoding("utf8");
        socket.on("data", (chunk: string) => {
          text += chunk;
          if (text.includes("\r\n\r\n")) resolve(text);
        });
        socket.on("error", reject);
        socket.on("close", () => reject(new Error(`closed without an answer: ${text}`)));
      });
      socket.write("POST /scim/v2/Users HTTP/1.1\r\nHost: x\r\nContent-Type: application/scim+json\r\nContent-Length: 1048576\r\n\r\n");
      expect((await answer).split("\r\n")[0]).toBe("HTTP/1.1 401 Unauthorized");
    } finally {
      socket.destroy();
    }
  });
});
