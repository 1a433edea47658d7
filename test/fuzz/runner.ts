/**
 * Sends generated requests to a running bridge over HTTP (keep-alive, bounded concurrency) and checks
 * every answer: below 500, and every error a SCIM Error body (RFC 7644 §3.12) whose status matches.
 * Sentinel resources are created first and read back at the end: they must be exactly as they were.
 */
import http from "node:http";
import { RequestGenerator, USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE, KNOWN_FAILING_CLASSES, type FuzzClass, type FuzzRequest, type FuzzWorld } from "./generator";
import { Random } from "../helpers/random";

const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
const SCIM_TYPES = new Set(["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"]);
/** An answer later than this is a hang. */
const ANSWER_DEADLINE_MS = 20_000;

export interface FuzzFailure {
  index: number;
  problem: string;
  request: FuzzRequest;
  status?: number;
  body?: string;
}

export interface FuzzResult {
  seed: number;
  sent: number;
  statuses: Record<number, number>;
  failures: FuzzFailure[];
  /** The slowest answers (ms, request), slowest first: where a hostile client costs the most. */
  slowest: Array<{ ms: number; request: FuzzRequest }>;
  /** Sentinels whose state differs from the start: id → [before, after]. */
  changedSentinels: Array<{ id: string; before: unknown; after: unknown }>;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function send(url: URL, agent: http.Agent, request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...request.headers };
    // Explicit framing: Node frames no body of a GET, DELETE or OPTIONS by itself.
    if (request.body) headers[request.chunked ? "Transfer-Encoding" : "Content-Length"] = request.chunked ? "chunked" : String(request.body.length);
    const req = http.request({ host: url.hostname, port: url.port, method: request.method, path: request.path, headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers["content-type"] ?? ""), body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.setTimeout(ANSWER_DEADLINE_MS, () => req.destroy(new Error(`no answer within ${ANSWER_DEADLINE_MS} ms`)));
    req.on("error", reject);
    if (request.body && request.chunked) {
      const half = Math.floor(request.body.length / 2);
      req.write(request.body.subarray(0, half));
      req.end(request.body.subarray(half));
    } else req.end(request.body);
  });
}

/** What is wrong with an answer, or undefined. */
function problemWith(request: FuzzRequest, answer: Answer): string | undefined {
  if (answer.status >= 500) return `answered ${answer.status}`;
  if (answer.status < 400 || request.method === "HEAD") return undefined;
  if (!answer.contentType.startsWith("application/scim+json")) return `error answer with Content-Type "${answer.contentType}"`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.body) as Record<string, unknown>;
  } catch {
    return "error answer is not JSON";
  }
  if (JSON.stringify(body.schemas) !== JSON.stringify([ERROR_SCHEMA])) return "error answer without the Error schema";
  if (body.status !== String(answer.status)) return `error body status ${JSON.stringify(body.status)} on a ${answer.status}`;
  if (typeof body.detail !== "string" || !body.detail) return "error answer without detail";
  if (body.scimType !== undefined && !SCIM_TYPES.has(String(body.scimType))) return `scimType ${JSON.stringify(body.scimType)} is not one of RFC 7644 §3.12's`;
  return undefined;
}

async function call(url: URL, method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const agent = new http.Agent({ keepAlive: false });
  const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/scim+json";
  return send(url, agent, { method, path: `/scim/v2${path}`, headers, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)), chunked: false, kind: [] });
}

async function create(url: URL, token: string, path: string, body: unknown): Promise<string> {
  const answer = await call(url, "POST", path, token, body);
  if (answer.status !== 201) throw new Error(`setup: POST ${path} answered ${answer.status}: ${answer.body}`);
  return (JSON.parse(answer.body) as { id: string }).id;
}

const user = (userName: string, managerId?: string) => ({
  schemas: [USER_SCHEMA, ENTERPRISE],
  userName,
  name: { givenName: "Sentinel", familyName: userName },
  emails: [{ value: `${userName}@example.com`, type: "work", primary: true }],
  active: true,
  [ENTERPRISE]: { employeeNumber: "1", ...(managerId ? { manager: { value: managerId } } : {}) },
});
const group = (displayName: string, memberIds: string[]) => ({ schemas: [GROUP_SCHEMA], displayName, members: memberIds.map((value) => ({ value })) });

/** Creates sentinels in both tenants and scratch resources in the first; the world the generator aims at. */
export async function prepareWorld(baseUrl: string, token: string, otherToken: string): Promise<FuzzWorld> {
  const url = new URL(baseUrl);
  const s1 = await create(url, token, "/Users", user("sentinel.one"));
  const s2 = await create(url, token, "/Users", user("sentinel.two", s1));
  const g1 = await create(url, token, "/Groups", group("sentinel group", [s1, s2]));
  const g2 = await create(url, token, "/Groups", group("sentinel empty group", []));
  const o1 = await create(url, otherToken, "/Users", user("other.sentinel"));
  const o2 = await create(url, otherToken, "/Groups", group("other sentinel group", [o1]));
  const scratchUserIds = [];
  for (let i = 0; i < 4; i++) scratchUserIds.push(await create(url, token, "/Users", user(`scratch.${i}`)));
  const scratchGroupIds = [await create(url, token, "/Groups", group("scratch group", scratchUserIds.slice(0, 2))), await create(url, token, "/Groups", group("scratch group 2", []))];
  return { token, otherToken, sentinelIds: [s1, s2, g1, g2], otherTenantIds: [o1, o2], scratchUserIds, scratchGroupIds };
}

async function readSentinels(url: URL, world: FuzzWorld): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const read = async (id: string, token: string) => {
    for (const collection of ["/Users", "/Groups"]) {
      const answer = await call(url, "GET", `${collection}/${id}`, token);
      if (answer.status === 200) return out.set(id, JSON.parse(answer.body));
    }
    out.set(id, "missing");
  };
  for (const id of world.sentinelIds) await read(id, world.token);
  for (const id of world.otherTenantIds) await read(id, world.otherToken);
  return out;
}

export interface FuzzOptions {
  baseUrl: string;
  world: FuzzWorld;
  seed: number;
  count: number;
  concurrency?: number;
  /** Request classes known to fail (KNOWN_FAILING_CLASSES) to generate too. */
  include?: readonly string[];
  /** Called every 1,000 requests. */
  progress?(sent: number): void;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const url = new URL(options.baseUrl);
  const unknown = (options.include ?? []).filter((name) => !(KNOWN_FAILING_CLASSES as readonly string[]).includes(name));
  if (unknown.length) throw new Error(`unknown fuzz class ${unknown.join(", ")}; known: ${KNOWN_FAILING_CLASSES.join(", ")}`);
  const generator = new RequestGenerator(new Random(options.seed), options.world, new Set(options.include as FuzzClass[]));
  const concurrency = options.concurrency ?? 8;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const before = await readSentinels(url, options.world);
  const statuses: Record<number, number> = {};
  const failures: FuzzFailure[] = [];
  let issued = 0;
  let sent = 0;
  const slowest: FuzzResult["slowest"] = [];
  const noteDuration = (ms: number, request: FuzzRequest) => {
    if (slowest.length >= 5 && ms <= slowest[slowest.length - 1].ms) return;
    slowest.push({ ms, request });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, 5);
  };
  // Requests are generated in order (one generator, one seed) and sent by `concurrency` workers.
  const worker = async () => {
    while (issued < options.count) {
      const index = issued++;
      const request = generator.next();
      const started = performance.now();
      try {
        const answer = await send(url, agent, request);
        noteDuration(performance.now() - started, request);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        const problem = problemWith(request, answer);
        if (problem) failures.push({ index, problem, request, status: answer.status, body: answer.body.slice(0, 500) });
      } catch (error) {
        failures.push({ index, problem: `transport: ${(error as Error).message}`, request });
      }
      if (++sent % 1000 === 0) options.progress?.(sent);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    agent.destroy();
  }
  const after = await readSentinels(url, options.world);
  const changedSentinels = [...before].filter(([id, value]) => JSON.stringify(after.get(id)) !== JSON.stringify(value)).map(([id, value]) => ({ id, before: value, after: after.get(id) }));
  failures.sort((a, b) => a.index - b.index);
  return { seed: options.seed, sent, statuses, failures, slowest, changedSentinels };
}

/** A failing request, printable and replayable: the body as text when it is UTF-8, else base64. */
export function describeFailure(failure: FuzzFailure, seed: number): string {
  const { request } = failure;
  const text = request.body?.toString("utf8");
  const body = request.body === undefined ? "(none)" : text !== undefined && Buffer.from(text, "utf8").equals(request.body) ? JSON.stringify(text.slice(0, 2000)) : `base64:${request.body.toString("base64").slice(0, 2000)}`;
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, /^authorization$/i.test(k) ? v.replace(/gsb_\w+/g, "gsb_…") : v]));
  return [
    `seed ${seed}, request #${failure.index}: ${failure.problem}`,
    `  ${request.method} ${request.path.replace(/gsb_\w+/g, "gsb_…").slice(0, 2000)}`,
    `  headers ${JSON.stringify(headers)}${request.chunked ? " (chunked)" : ""}`,
    `  body ${body}`,
    `  generator ${request.kind.join(" ")}`,
    failure.status !== undefined ? `  answer ${failure.status} ${failure.body}` : "",
  ].join("\n");
}
