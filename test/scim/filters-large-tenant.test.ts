/**
 * Issue 9, "Large tenants break": with 200,000 users a list, `title pr&count=1`, `sortBy=emails.value`
 * and filters on unindexed attributes answered 500 (one bind parameter per id) and grew the process
 * by 200 MB per request. Now each is one statement whose memory is bounded by the page: the test
 * process's resident set (the embedded database included, on PGlite) must not grow by MAX_GROWTH
 * while any of them runs. The tenant is written by one INSERT … SELECT generate_series statement
 * (bench/large-tenant.ts).
 */
import crypto from "node:crypto";
import { largeUserName, seedLargeTenant } from "../../bench/large-tenant";
import { startTestBridge, type TestBridge } from "../helpers/bridge";
import { ENTERPRISE, scimClient, type ScimClient } from "./scim-client";

const USERS = 200_000;
const TITLE_EVERY = 10;
const MAX_GROWTH = 100 * 1024 * 1024;

let bridge: TestBridge;
let scim: ScimClient;

beforeAll(async () => {
  bridge = await startTestBridge();
  scim = scimClient(bridge);
  await seedLargeTenant(bridge.db.sql, bridge.connectionId, { users: USERS, titleEvery: TITLE_EVERY });
}, 300_000);
afterAll(() => bridge?.close());

/** One list request, failing when the process's resident set grew by MAX_GROWTH or more meanwhile. */
async function list(query: string) {
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  try {
    const res = await scim("get", `/Users?${query}`);
    if (res.status !== 200) throw new Error(`${query}: ${res.status} ${res.text}`);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(peak - before).toBeLessThan(MAX_GROWTH);
    return res.body as { totalResults: number; Resources: Array<Record<string, any>> };
  } finally {
    clearInterval(sampler);
  }
}

/** The seed's email value of user i (bench/large-tenant.ts). */
const emailOf = (i: number) => `${crypto.createHash("md5").update(`email${i}`).digest("hex").slice(0, 8)}.${i}@example.com`;
const familyNameOf = (i: number) => crypto.createHash("md5").update(`family${i}`).digest("hex").slice(0, 10);
const all = Array.from({ length: USERS }, (_, k) => k + 1);

test("RFC 7644 §3.4.2.4 the first page of 200,000 users, with the total", async () => {
  const page = await list("count=10");
  expect(page.totalResults).toBe(USERS);
  expect(page.Resources.map((r) => r.userName)).toEqual(all.slice(0, 10).map(largeUserName));
}, 120_000);

test("RFC 7644 §3.4.2.2 title pr&count=1 counts every user with a title and pages one", async () => {
  const page = await list(`filter=${encodeURIComponent("title pr")}&count=1`);
  expect(page.totalResults).toBe(USERS / TITLE_EVERY);
  expect(page.Resources).toHaveLength(1);
  expect(page.Resources[0].title).toEqual(expect.any(String));
}, 120_000);

test("RFC 7644 §3.4.2.3 sortBy=emails.value over 200,000 users, both directions", async () => {
  const sorted = all.map(emailOf).sort();
  const ascending = await list("sortBy=emails.value&count=5");
  expect(ascending.totalResults).toBe(USERS);
  expect(ascending.Resources.map((r) => r.emails[0].value)).toEqual(sorted.slice(0, 5));
  const descending = await list("sortBy=emails.value&sortOrder=descending&count=5");
  expect(descending.Resources.map((r) => r.emails[0].value)).toEqual(sorted.slice(-5).reverse());
}, 120_000);

test("RFC 7644 §3.4.2.3 sortBy=name.familyName, the last page", async () => {
  const sorted = all.map(familyNameOf).sort();
  const last = await list(`sortBy=name.familyName&startIndex=${USERS - 2}&count=10`);
  expect(last.totalResults).toBe(USERS);
  expect(last.Resources.map((r) => r.name.familyName)).toEqual(sorted.slice(-3));
}, 120_000);

test("RFC 7644 §3.4.2.2 the IdP lookup and an extension attribute filter", async () => {
  const lookup = await list(`filter=${encodeURIComponent(`userName eq "${largeUserName(123_456).toUpperCase()}"`)}`);
  expect(lookup.Resources.map((r) => r.userName)).toEqual([largeUserName(123_456)]);
  const department = await list(`filter=${encodeURIComponent(`${ENTERPRISE}:department eq "department 7" and not (title pr)`)}&count=3`);
  expect(department.totalResults).toBe(all.filter((i) => i % 50 === 7 && i % TITLE_EVERY !== 0).length);
  expect(department.Resources).toHaveLength(3);
}, 120_000);
