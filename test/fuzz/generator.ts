/**
 * Malformed and odd SCIM requests from a seed: methods, paths (bad percent-encoding, dot segments,
 * huge ids), query strings (garbage filters, huge numbers, repeated parameters), headers (content
 * types, codings, If-Match garbage, bad credentials) and bodies (valid Users, Groups, PatchOps and
 * SearchRequests mutated at random: wrong types, deep nesting, NUL and lone surrogates, numbers out of
 * range, truncated JSON, compressed garbage). Every request is well-formed HTTP/1.1: Node's parser
 * answers malformed HTTP itself, before the bridge sees it.
 *
 * The sentinels' safety is by construction: a request that presents a tenant's valid token never
 * writes that tenant's sentinels unless its body is one the bridge must refuse (`poisoned`), and never
 * names one of them inside a body (a new group listing a sentinel user would change that user's
 * groups). Another tenant's sentinels it may aim at freely: those writes must find nothing.
 */
import zlib from "node:zlib";
import { Random } from "../helpers/random";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/**
 * Request classes that still answer 500 before other parts of issue 9 land; off unless named in
 * `include` (FUZZ_INCLUDE=wide-filters, or `npm run fuzz -- --include wide-filters`).
 * TODO(issue 9, "Every filter runs in the database", src/scim/filter and src/scim/list/list-engine.ts):
 * an `or`/`and` chain of 64 or more comparisons answers 500 (Prisma's recursion limit on the nested
 * where-object). Turn it on by default once filters run as one SQL statement.
 */
export const KNOWN_FAILING_CLASSES = ["wide-filters"] as const;
export type FuzzClass = (typeof KNOWN_FAILING_CLASSES)[number];

export interface FuzzWorld {
  /** Bearer token of the tenant the sentinels and scratch resources live in. */
  token: string;
  /** Bearer token of another tenant, which holds sentinels of its own. */
  otherToken: string;
  /** This tenant's sentinels: must be unchanged at the end. */
  sentinelIds: string[];
  /** The other tenant's sentinels: invisible to `token`, must be unchanged too. */
  otherTenantIds: string[];
  /** Resources the fuzz may change at will. */
  scratchUserIds: string[];
  scratchGroupIds: string[];
}

export interface FuzzRequest {
  method: string;
  /** Path and query, as sent on the request line. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent as chunked transfer encoding instead of with Content-Length. */
  chunked: boolean;
  /** Which generator branches made it, for the failure report. */
  kind: string[];
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Request line and headers stay below Node's 16 KB limit (--max-http-header-size). */
const MAX_HEAD_BYTES = 12_000;

const GARBAGE_IDS = [
  "", ".", "..", "%", "%E0%A4%A", "%zz", "%00", "%2F", "%2e%2e", "%2e", "a%", "%ED%A0%80", "%F0%9F%98", "%C0%AF",
  "%F0%9F%98%80", "null", "undefined", "0", "-1", "1e20", "%27%3B%20DROP%20TABLE%20x%3B--", "..%2F..%2Fetc%2Fpasswd",
  "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "{id}", "%7Bid%7D", "me", ".search",
];

const ENDPOINTS = ["/ServiceProviderConfig", "/Schemas", `/Schemas/${USER_SCHEMA}`, `/Schemas/${ENTERPRISE}`, "/Schemas/urn:x", "/ResourceTypes", "/ResourceTypes/User", "/ResourceTypes/Group", "/ResourceTypes/x", "/Bulk", "/Me", "/.search", "/", "", "/users", "/GROUPS", "/Users/.search", "/Groups/.search"];

const ATTRIBUTE_PATHS = [
  "userName", "name", "name.givenName", "name.familyName", "displayName", "active", "title", "externalId", "id", "meta.lastModified", "meta.created",
  "meta.version", "emails", "emails.value", "emails.type", "emails.primary", 'emails[type eq "work"]', 'emails[type eq "work"].value', "phoneNumbers",
  "members", "members.value", "members.display", "groups", "groups.value", "roles", "x509Certificates", `${ENTERPRISE}:employeeNumber`,
  `${ENTERPRISE}:manager`, `${ENTERPRISE}:manager.value`, ENTERPRISE, `${USER_SCHEMA}:userName`, "unknownAttr", "a.b.c.d", "emails[", "[]", "",
  "emails[value co \"@\"]", 'members[value eq "x"]', "name..givenName", "urn:", "urn:x:y", ".", "$ref", "__proto__", "constructor",
];

const FILTER_OPERATORS = ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "EQ", "xx", ""];

const STRINGS = [
  "alice", "", " ", "Work", "work", "x".repeat(300), "\u0000", "a\u0000b", "\ud800", "\udc00x", "\ud83d\ude00", "é", "\\", "\"", "'", "%", "*",
  "2026-01-01T00:00:00Z", "not-a-date", "true", "null", "1e400", "<script>", "${x}", "../..", "\u202e", "\uffff", "\u0001",
];

const NUMBERS = [0, -0, 1, -1, 1.5, 2 ** 31, 2 ** 31 - 1, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, 1e20, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER];

const NUMBER_TEXTS = ["0", "-1", "1", "1e20", "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "0x10", "1.5", "9007199254740993", "2147483648", "2147483647", "-2147483649", "", " 3 ", "abc", "%", "%00", "1_000", "+5", "٣"];

export class RequestGenerator {
  constructor(
    private readonly rng: Random,
    private readonly world: FuzzWorld,
    private readonly include: ReadonlySet<FuzzClass> = new Set(),
  ) {}

  /** The sentinels the current request's token may reach (lower case), and ids of another tenant. */
  private own: ReadonlySet<string> = new Set();
  private foreign: readonly string[] = [];

  private isOwnSentinel(id: string): boolean {
    return this.own.has(id.toLowerCase());
  }

  next(): FuzzRequest {
    const r = this.rng;
    const kind: string[] = [];
    const method = r.weighted<string>([
      [30, "GET"], [20, "POST"], [12, "PUT"], [20, "PATCH"], [8, "DELETE"], [4, "HEAD"], [3, "OPTIONS"],
    ]);
    kind.push(method);
    const auth = this.auth(kind);
    const validToken = auth.tenant !== undefined;
    const { sentinelIds, otherTenantIds } = this.world;
    this.own = new Set((auth.tenant === "main" ? sentinelIds : auth.tenant === "other" ? otherTenantIds : []).map((id) => id.toLowerCase()));
    this.foreign = auth.tenant === "other" ? sentinelIds : otherTenantIds;
    const target = this.target(method, kind);
    // A valid token may write a sentinel only with a body the bridge must refuse.
    const writesSentinel = validToken && target.sentinel && method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
    if (validToken && target.sentinel && method === "DELETE") return this.next();
    const headers: Record<string, string> = { ...auth.headers };
    let query = this.query(kind);
    if (auth.query) query = query ? `${query}&${auth.query}` : auth.query;
    const path = `/scim/v2${target.path}${query ? `?${query}` : ""}`;
    let body: Buffer | undefined;
    const sendsBody = method === "POST" || method === "PUT" || method === "PATCH" || r.chance(0.05);
    if (sendsBody && method !== "HEAD") {
      const made = writesSentinel ? this.poisonedBody(kind) : this.body(target.resource, method, kind);
      body = made.bytes;
      Object.assign(headers, made.headers);
    }
    if (!writesSentinel || !body) this.extraHeaders(headers, kind);
    else this.harmlessHeaders(headers, kind);
    // Node answers 431 itself beyond 16 KB of request line and headers, before the bridge sees anything.
    const headSize = path.length + Object.entries(headers).reduce((sum, [name, value]) => sum + name.length + value.length + 4, 0);
    if (headSize > MAX_HEAD_BYTES) return this.next();
    return { method, path, headers, body, chunked: body !== undefined && r.chance(0.1), kind };
  }

  /** Credentials; `tenant` is whose valid token they carry, if any. */
  private auth(kind: string[]): { tenant?: "main" | "other"; headers: Record<string, string>; query?: string } {
    const r = this.rng;
    const { token, otherToken } = this.world;
    const choice = r.weighted<string>([
      [70, "valid"], [4, "lowercase-scheme"], [5, "none"], [5, "wrong"], [5, "other-tenant"], [6, "malformed"], [5, "query"],
    ]);
    kind.push(`auth:${choice}`);
    switch (choice) {
      case "valid":
        return { tenant: "main", headers: { Authorization: `Bearer ${token}` } };
      case "lowercase-scheme":
        return { tenant: "main", headers: { Authorization: `bearer ${token}` } };
      case "none":
        return { headers: {} };
      case "wrong":
        return { headers: { Authorization: `Bearer ${r.pick([token.slice(0, -1), `${token}x`, token.toUpperCase(), "gsb_" + "A".repeat(40), "x", "%00", "é"])}` } };
      case "other-tenant":
        return { tenant: "other", headers: { Authorization: `Bearer ${otherToken}` } };
      case "malformed":
        return { headers: { Authorization: r.pick(["Bearer", "Bearer ", `Bearer ${token} x`, `Basic ${Buffer.from("a:b").toString("base64")}`, `Token ${token}`, token, "Bearer\t" + token, "Bearer  " + token, "B".repeat(4000)]) } };
      default: {
        const pair = r.pick([`access_token=${token}`, `access_token=a&access_token=b`, `access_token=${token}&access_token=${token}`, `ACCESS_TOKEN=${token}`, "access_token=", "access_token[]=x"]);
        return { headers: {}, query: pair };
      }
    }
  }

  private target(method: string, kind: string[]): { path: string; resource: "User" | "Group" | "Search" | "Other"; sentinel: boolean } {
    const r = this.rng;
    const choice = r.weighted<string>([
      [25, "collection"], [45, "item"], [10, "search"], [8, "endpoint"], [7, "odd-path"], [5, "dot-segments"],
    ]);
    kind.push(`target:${choice}`);
    const resource = r.chance(0.5) ? "User" : "Group";
    const collection = resource === "User" ? "/Users" : "/Groups";
    switch (choice) {
      case "collection":
        return { path: collection, resource, sentinel: false };
      case "search":
        return { path: r.pick(["/Users/.search", "/Groups/.search", "/.search"]), resource: "Search", sentinel: false };
      case "endpoint":
        return { path: r.pick(ENDPOINTS), resource: "Other", sentinel: false };
      case "odd-path": {
        const p = r.pick([`${collection}/${this.id(kind).id}/x`, `${collection}//`, `${collection}/`, `//${collection}`, `${collection}/${"a".repeat(r.int(100, 6000))}`, `${collection}%2F${r.uuid()}`, `${collection}/${r.uuid()}%00`, `${collection};x=1`]);
        return { path: p, resource, sentinel: false };
      }
      case "dot-segments": {
        const id = this.id(kind);
        const p = r.pick([`${collection}/../Groups/${id.id}`, `${collection}/./${id.id}`, `/../..${collection}/${id.id}`, `${collection}/%2e%2e/${id.id}`, `/x/..${collection}/${id.id}`]);
        // Express does not resolve dot segments, but treat these as touching the id anyway.
        return { path: p, resource, sentinel: id.sentinel };
      }
      default: {
        const id = this.id(kind);
        return { path: `${collection}/${id.id}`, resource, sentinel: id.sentinel };
      }
    }
  }

  private id(kind: string[]): { id: string; sentinel: boolean } {
    const r = this.rng;
    const w = this.world;
    const choice = r.weighted<string>([[20, "sentinel"], [20, "scratch"], [10, "other-tenant"], [15, "random-uuid"], [5, "uppercase"], [30, "garbage"]]);
    kind.push(`id:${choice}`);
    const id = ((): string => {
      switch (choice) {
        case "sentinel":
          return r.pick(w.sentinelIds);
        case "uppercase":
          return r.pick([...w.sentinelIds, ...w.otherTenantIds]).toUpperCase();
        case "scratch":
          return r.pick([...w.scratchUserIds, ...w.scratchGroupIds]);
        case "other-tenant":
          return r.pick(w.otherTenantIds);
        case "random-uuid":
          return r.uuid();
        default:
          return r.chance(0.1) ? "x".repeat(r.int(1000, 6000)) : r.pick(GARBAGE_IDS);
      }
    })();
    return { id, sentinel: this.isOwnSentinel(id) };
  }

  private query(kind: string[]): string {
    const r = this.rng;
    if (r.chance(0.5)) return "";
    kind.push("query");
    const parts: string[] = [];
    const n = r.int(1, 5);
    for (let i = 0; i < n; i++) {
      const name = r.pick(["filter", "Filter", "startIndex", "startindex", "count", "COUNT", "sortBy", "sortOrder", "attributes", "excludedAttributes", "x", "", "filter[]", "count[a]"]);
      let value: string;
      if (/filter/i.test(name)) value = this.encodeQuery(this.filter(0));
      else if (/startindex|count/i.test(name)) value = this.encodeQuery(r.pick(NUMBER_TEXTS));
      else if (name === "sortOrder") value = r.pick(["ascending", "descending", "DESCENDING", "up", "", "%00"]);
      else if (/attributes|sortBy/.test(name)) value = this.encodeQuery(Array.from({ length: r.int(1, 3) }, () => r.pick(ATTRIBUTE_PATHS)).join(","));
      else value = this.encodeQuery(r.pick(STRINGS));
      parts.push(`${name}=${value}`);
      if (r.chance(0.1)) parts.push(`${name}=${value}`); // repeated parameter
    }
    return parts.join("&");
  }

  /** Percent-encodes a query value, sometimes leaving a raw or broken escape in it. */
  private encodeQuery(text: string): string {
    const r = this.rng;
    const safe = text.replace(/[\ud800-\udfff]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
    let out: string;
    try {
      out = encodeURIComponent(safe);
    } catch {
      out = "x";
    }
    if (r.chance(0.05)) out += r.pick(["%", "%E0%A4%A", "%zz", "%00", "%ED%A0%80", "+"]);
    return out;
  }

  private filter(depth: number): string {
    const r = this.rng;
    const wide = this.include.has("wide-filters") ? 3 : 0;
    const choice = depth > 3 ? "comparison" : r.weighted<string>([[50, "comparison"], [15, "and-or"], [8, "not"], [7, "value-path"], [10, "garbage"], [5, "long-chain"], [5, "nested-not"], [wide, "wide-chain"]]);
    switch (choice) {
      case "and-or":
        return `${this.filter(depth + 1)} ${r.pick(["and", "or", "AND", "Or", "xor"])} ${this.filter(depth + 1)}`;
      case "not":
        return `not (${this.filter(depth + 1)})`;
      case "value-path":
        return `emails[${this.filter(depth + 1)}]`;
      case "garbage":
        return r.pick(["(", ")", "((userName eq \"a\")", "userName eq", "eq \"a\"", "\"", "userName eq \"unterminated", "[", "]", "not", "userName pr pr", "emails[type eq \"work\"", "userName eq \"a\" and", "!", "userName eq 'a'", "userName eq \"\\u0000\"", "userName eq \"\\ud800\"", "userName eq \"\\x\""]);
      case "long-chain":
        return Array.from({ length: r.int(10, 40) }, () => this.comparison()).join(" or ");
      case "wide-chain":
        return Array.from({ length: r.int(64, 150) }, () => `userName eq "${r.int(0, 999)}"`).join(r.pick([" or ", " and "]));
      case "nested-not":
        return "not (".repeat(r.int(5, 30)) + this.comparison() + ")".repeat(r.int(4, 31));
      default:
        return this.comparison();
    }
  }

  private comparison(): string {
    const r = this.rng;
    const op = r.pick(FILTER_OPERATORS);
    const attr = r.pick(ATTRIBUTE_PATHS);
    if (op === "pr") return `${attr} pr`;
    const value = r.pick(['"alice"', "true", "false", "null", "42", "-1", "1e400", "1e20", '"2026-01-01T00:00:00Z"', '"\\u0000"', '"\\ud800"', '""', "'x'", "x", '"%"', `"${r.uuid()}"`, `"${r.pick(this.world.sentinelIds)}"`]);
    return `${attr} ${op} ${value}`;
  }

  private body(resource: "User" | "Group" | "Search" | "Other", method: string, kind: string[]): { bytes: Buffer; headers: Record<string, string> } {
    const r = this.rng;
    let template: Json;
    if (method === "PATCH" && r.chance(0.85)) template = this.patchOp();
    else if (resource === "Search" || r.chance(0.05)) template = this.searchRequest();
    else if (resource === "Group" || (resource === "Other" && r.chance(0.5))) template = this.group();
    else template = this.user();
    const mutations = r.weighted<number>([[20, 0], [40, 1], [25, 2], [15, 3]]);
    for (let i = 0; i < mutations; i++) template = this.mutate(template, kind);
    let text = JSON.stringify(template);
    if (r.chance(0.12)) text = this.mutateText(text, kind);
    return this.encode(Buffer.from(text, "utf8"), kind);
  }

  /** A body the bridge must refuse whatever the route: every path through the parser rejects it. */
  private poisonedBody(kind: string[]): { bytes: Buffer; headers: Record<string, string> } {
    const r = this.rng;
    const template = r.chance(0.5) ? this.user() : this.patchOp();
    const choice = r.pick(["truncated", "deep", "nul-value", "nul-key", "surrogate", "infinity", "gzip-garbage", "unknown-coding", "text-plain", "not-json"]);
    kind.push(`poisoned:${choice}`);
    const json = (value: Json) => Buffer.from(JSON.stringify(value), "utf8");
    const typed = { "Content-Type": "application/scim+json" };
    switch (choice) {
      case "truncated": {
        const text = JSON.stringify(template);
        return { bytes: Buffer.from(text.slice(0, r.int(1, text.length - 1))), headers: typed };
      }
      case "deep":
        return { bytes: json({ ...(template as object), x: this.deep(r.int(33, 3000)) }), headers: typed };
      case "nul-value":
        return { bytes: json({ ...(template as object), displayName: "a\u0000b" }), headers: typed };
      case "nul-key":
        return { bytes: json({ ...(template as object), ["x\u0000"]: 1 }), headers: typed };
      case "surrogate":
        return { bytes: json({ ...(template as object), title: r.pick(["\ud800", "x\udfff"]) }), headers: typed };
      case "infinity":
        return { bytes: Buffer.from(JSON.stringify({ ...(template as object), title: 0 }).replace('"title":0', '"title":1e400')), headers: typed };
      case "gzip-garbage":
        return { bytes: r.bytes(r.int(1, 200)), headers: { ...typed, "Content-Encoding": r.pick(["gzip", "deflate", "br"]) } };
      case "unknown-coding":
        return { bytes: json(template), headers: { ...typed, "Content-Encoding": r.pick(["compress", "x-gzip-bogus", "gzip, identity, foo"]) } };
      case "text-plain":
        return { bytes: json(template), headers: { "Content-Type": r.pick(["text/plain", "application/xml", "multipart/form-data; boundary=x"]) } };
      default:
        return { bytes: Buffer.from(r.pick(["nope", "{", "[1,", "\"str", "{\"a\":}", "{'a':1}"])), headers: typed };
    }
  }

  private user(): Json {
    const r = this.rng;
    const name = `fuzz.${r.int(0, 1_000_000)}`;
    return {
      schemas: r.chance(0.9) ? [USER_SCHEMA, ENTERPRISE] : [USER_SCHEMA],
      userName: name,
      externalId: r.uuid(),
      name: { givenName: "Fuzz", familyName: r.pick(STRINGS.slice(0, 6)), formatted: "Fuzz X" },
      displayName: "Fuzz",
      title: "Tester",
      active: r.chance(0.8),
      emails: [{ value: `${name}@example.com`, type: r.pick(["work", "Work", "home", "other"]), primary: true }],
      phoneNumbers: [{ value: "+1 555 0100", type: "work" }],
      roles: [{ value: "r", type: "WindowsAzureActiveDirectoryRole" }],
      [ENTERPRISE]: { employeeNumber: String(r.int(1, 9999)), department: "QA", manager: { value: this.bodyId() } },
    };
  }

  private group(): Json {
    const r = this.rng;
    return {
      schemas: [GROUP_SCHEMA],
      displayName: `fuzz group ${r.int(0, 1_000_000)}`,
      externalId: r.uuid(),
      members: Array.from({ length: r.int(0, 4) }, () => ({ value: this.bodyId(), ...(r.chance(0.3) ? { display: "x" } : {}) })),
    };
  }

  private patchOp(): Json {
    const r = this.rng;
    const operations = Array.from({ length: r.int(0, 4) }, () => {
      const op = r.pick(["add", "replace", "remove", "Add", "Replace", "REMOVE", "merge", ""]);
      const withPath = r.chance(0.7);
      const path = r.pick(ATTRIBUTE_PATHS.concat([`members[value eq "${this.bodyId()}"]`, `emails[value eq "x@example.com"].primary`]));
      const value: Json = withPath ? this.valueFor(path) : r.pick<Json>([{ active: false }, { displayName: "renamed" }, { "name.givenName": "Anna" }, { name: { givenName: "Anna" } }, { [`${ENTERPRISE}:employeeNumber`]: "7" }, { emails: [{ value: "z@example.com" }] }, { members: [{ value: this.bodyId() }] }, { [ENTERPRISE]: { department: "x", schemas: [ENTERPRISE] } }]);
      const operation: Record<string, Json> = { op };
      if (withPath) operation.path = path;
      if (op.toLowerCase() !== "remove" || r.chance(0.2)) operation.value = value;
      return operation;
    });
    return { schemas: r.chance(0.95) ? [PATCH_OP] : ["urn:x"], Operations: operations };
  }

  private valueFor(path: string): Json {
    const r = this.rng;
    if (/member/.test(path)) return [{ value: this.bodyId() }];
    if (/active|primary/.test(path)) return r.pick<Json>([true, false, "False", "TRUE"]);
    if (/emails$/.test(path)) return [{ value: "p@example.com", type: "work" }];
    if (/^name$/.test(path)) return { givenName: "Anna" };
    return r.pick<Json>(["value", "", 1, null, [], {}]);
  }

  private searchRequest(): Json {
    const r = this.rng;
    const numberOrText = (): Json => (r.chance(0.5) ? r.pick(NUMBERS) : r.pick(NUMBER_TEXTS));
    const request: Record<string, Json> = { schemas: [SEARCH_REQUEST] };
    if (r.chance(0.8)) request.filter = this.filter(0);
    if (r.chance(0.5)) request.startIndex = numberOrText();
    if (r.chance(0.5)) request.count = numberOrText();
    if (r.chance(0.3)) request.attributes = [r.pick(ATTRIBUTE_PATHS)];
    if (r.chance(0.2)) request.sortBy = r.pick(ATTRIBUTE_PATHS);
    if (r.chance(0.2)) request.sortOrder = r.pick(["ascending", "descending", "x", 1]);
    return request;
  }

  /** An id to put inside a body: never a sentinel the token can reach. */
  private bodyId(): string {
    const r = this.rng;
    const w = this.world;
    return r.weighted<string>([[40, r.pick(w.scratchUserIds)], [10, r.pick(w.scratchGroupIds)], [15, r.pick(this.foreign)], [20, r.uuid()], [15, r.pick(GARBAGE_IDS)]]);
  }

  private deep(depth: number): Json {
    let value: Json = "bottom";
    for (let i = 0; i < depth; i++) value = this.rng.chance(0.5) ? [value] : { a: value };
    return value;
  }

  private randomValue(): Json {
    const r = this.rng;
    return r.weighted<() => Json>([
      [20, () => r.pick(STRINGS)],
      [15, () => r.pick(NUMBERS)],
      [8, () => r.chance(0.5)],
      [8, () => null],
      [8, () => []],
      [8, () => ({})],
      [6, () => [r.pick(STRINGS), r.pick(NUMBERS)]],
      [6, () => ({ value: r.pick(STRINGS), type: r.pick(STRINGS), primary: r.pick<Json>([true, "true", 1]) })],
      [6, () => this.deep(r.int(2, 40))],
      [3, () => "y".repeat(r.int(1000, 100_000))],
      [4, () => r.pick(this.foreign)],
    ])();
  }

  /** Replaces, deletes, adds or wraps one node of the document at a random place. */
  private mutate(doc: Json, kind: string[]): Json {
    const r = this.rng;
    const containers: Array<Json[] | { [key: string]: Json }> = [];
    const stack: Json[] = [doc];
    while (stack.length) {
      const node = stack.pop()!;
      if (node && typeof node === "object") {
        containers.push(node);
        stack.push(...(Array.isArray(node) ? node : Object.values(node)));
      }
    }
    if (!containers.length || r.chance(0.03)) {
      kind.push("mutate:root");
      return this.randomValue();
    }
    const container = r.pick(containers);
    const action = r.pick(["replace", "delete", "add", "wrap"]);
    kind.push(`mutate:${action}`);
    if (Array.isArray(container)) {
      const i = r.int(0, Math.max(0, container.length - 1));
      if (action === "delete") container.splice(i, 1);
      else if (action === "add") container.push(this.randomValue());
      else if (action === "wrap") container[i] = [container[i] ?? null];
      else container[i] = this.randomValue();
      return doc;
    }
    const keys = Object.keys(container);
    const key = keys.length ? r.pick(keys) : "x";
    if (action === "delete") delete container[key];
    else if (action === "add") container[r.pick(["x", "USERNAME", "userName", "schemas", "Operations", "__proto__", "constructor", "$ref", "meta", "id", "groups", `${ENTERPRISE}:employeeNumber`, "urn:x:y", "\u0000", "\ud800"])] = this.randomValue();
    else if (action === "wrap") container[key] = [container[key] ?? null];
    else container[key] = this.randomValue();
    return doc;
  }

  private mutateText(text: string, kind: string[]): string {
    const r = this.rng;
    const action = r.pick(["truncate", "append", "duplicate-key", "infinity", "bom", "control", "trailing-comma", "lone-escape"]);
    kind.push(`text:${action}`);
    switch (action) {
      case "truncate":
        return text.slice(0, r.int(0, text.length - 1));
      case "append":
        return text + r.pick(["}", "]", ",", " ", "\n{}", "garbage"]);
      case "duplicate-key":
        return text.replace(/^\{/, '{"userName":"dup","displayName":"dup",');
      case "infinity":
        return text.replace(/:(-?\d+(\.\d+)?)/, r.pick([":1e400", ":-1e400", ":1e20", ":123456789012345678901234567890"]));
      case "bom":
        return `\ufeff${text}`;
      case "control":
        return text.replace(/"([^"]*)"/, `"$1\u0001"`);
      case "trailing-comma":
        return text.replace(/\}$/, ",}");
      default:
        return text.replace(/"([^"]*)"/, '"$1\\ud800"');
    }
  }

  /** Content-Type and Content-Encoding for a body, sometimes wrong, sometimes compressed. */
  private encode(bytes: Buffer, kind: string[]): { bytes: Buffer; headers: Record<string, string> } {
    const r = this.rng;
    const headers: Record<string, string> = {};
    const type = r.weighted<string | undefined>([
      [60, "application/scim+json"], [15, "application/json"], [5, undefined], [4, "application/scim+json; charset=utf-8"], [3, "application/json; charset=latin1"],
      [2, "application/json; charset=utf-16"], [2, "application/json; charset=bogus"], [3, "text/plain"], [2, "application/x-www-form-urlencoded"], [2, "*/*"], [2, ";;;"],
    ]);
    if (type !== undefined) headers["Content-Type"] = type;
    const coding = r.weighted<string>([[85, "identity"], [4, "gzip"], [2, "deflate"], [2, "br"], [3, "garbage"], [2, "unknown"], [2, "double-gzip"]]);
    if (coding !== "identity") kind.push(`coding:${coding}`);
    switch (coding) {
      case "gzip":
        return { bytes: zlib.gzipSync(bytes), headers: { ...headers, "Content-Encoding": r.pick(["gzip", "GZIP", "x-gzip"]) } };
      case "deflate":
        return { bytes: zlib.deflateSync(bytes), headers: { ...headers, "Content-Encoding": "deflate" } };
      case "br":
        return { bytes: zlib.brotliCompressSync(bytes), headers: { ...headers, "Content-Encoding": "br" } };
      case "garbage":
        return { bytes: r.chance(0.5) ? zlib.gzipSync(bytes).subarray(0, r.int(1, 30)) : r.bytes(r.int(1, 300)), headers: { ...headers, "Content-Encoding": r.pick(["gzip", "deflate", "br"]) } };
      case "unknown":
        return { bytes, headers: { ...headers, "Content-Encoding": r.pick(["compress", "zstd", "bogus", "gzip, br", "identity, gzip"]) } };
      case "double-gzip":
        return { bytes: zlib.gzipSync(zlib.gzipSync(bytes)), headers: { ...headers, "Content-Encoding": "gzip" } };
      default:
        return { bytes, headers };
    }
  }

  /** Conditional and odd headers for requests that do not write a sentinel. */
  private extraHeaders(headers: Record<string, string>, kind: string[]): void {
    const r = this.rng;
    if (r.chance(0.15)) {
      headers["If-Match"] = r.pick(["*", 'W/"1"', '"1"', 'W/"999999999999999999999"', "garbage", 'W/"', "W/", '"', ",,,", 'W/"1", W/"2"', "*, *", "\u00e9", "W/\"-1\""]);
      kind.push("if-match");
    }
    if (r.chance(0.08)) headers["If-None-Match"] = r.pick(["*", 'W/"1"', "garbage", '""', "W/"]);
    this.harmlessHeaders(headers, kind);
  }

  /** Headers that cannot make a refused request acceptable. */
  private harmlessHeaders(headers: Record<string, string>, kind: string[]): void {
    const r = this.rng;
    if (r.chance(0.1)) headers["X-Request-Id"] = r.pick(["abc", "x".repeat(500), "<script>", "a b c", "", "\u00e9\u00e8"]);
    if (r.chance(0.05)) headers["X-Forwarded-Proto"] = r.pick(["https", "javascript", "", "http, https"]);
    if (r.chance(0.05)) headers["X-Forwarded-Host"] = r.pick(["evil.example", "", "a b"]);
    if (r.chance(0.05)) headers.Accept = r.pick(["application/xml", "*/*", "text/html", ";;"]);
    if (r.chance(0.03)) headers["Accept-Encoding"] = "gzip";
    if (r.chance(0.02)) kind.push("odd-headers");
  }
}
