/**
 * The total of a search (RFC 7644 §3.4.2: totalResults) is told by the page itself when the page is
 * not full and not past the end: the IdP's `userName eq "…"` lookup (one match, a page of up to 100)
 * must not count its match a second time. A full page, a page past the end and count=0 still count.
 * The statement checked is the one the search builds (searchUsers, its SQL recorded on the way to the
 * database), run under EXPLAIN ANALYZE by the real engine: "never executed" is its own verdict.
 */
import { largeUserName, seedLargeTenant } from "../../bench/large-tenant";
import type { SqlRunner } from "../../src/db/sql-runner";
import type { SearchQuery } from "../../src/provisioning/query/predicate";
import { searchUsers } from "../../src/provisioning/query/search-users";
import { startTestBridge, type TestBridge } from "../helpers/bridge";

const USERS = 50;

let bridge: TestBridge;

beforeAll(async () => {
  bridge = await startTestBridge();
  await seedLargeTenant(bridge.db.sql, bridge.connectionId, { users: USERS, titleEvery: 10 });
}, 120_000);
afterAll(() => bridge?.close());

interface PlanNode {
  "Node Type": string;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** The answer of searchUsers for `query`, and whether its statement ran a count (an Aggregate of count(*)). */
async function search(query: SearchQuery) {
  const statements: Array<{ sql: string; params?: unknown[] }> = [];
  const recording: SqlRunner = {
    exec: (sql) => bridge.db.direct.exec(sql),
    query: (sql, params) => {
      statements.push({ sql, params });
      return bridge.db.direct.query(sql, params);
    },
  };
  const result = await searchUsers(recording, bridge.connectionId, query, { withGroups: false });
  expect(statements).toHaveLength(1);
  const [row] = await bridge.db.direct.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${statements[0].sql}`, statements[0].params);
  const plan = (typeof row["QUERY PLAN"] === "string" ? JSON.parse(row["QUERY PLAN"]) : row["QUERY PLAN"]) as Array<{ Plan: PlanNode }>;
  // Without the groups piece (withGroups: false) the count is the only Aggregate of the statement.
  const aggregates = nodesOf(plan[0].Plan).filter((n) => n["Node Type"] === "Aggregate");
  return { result, counted: aggregates.some((n) => (n["Actual Loops"] ?? 0) > 0) };
}

const userName = { path: ["userName"], type: "string", caseExact: false, multiValued: false } as const;
const title = { path: ["title"], type: "string", caseExact: false, multiValued: false } as const;
const lookup = (i: number) => ({ kind: "compare", attribute: userName, op: "eq", value: { type: "string", text: largeUserName(i) } }) as const;

test(`RFC 7644 §3.4.2 the IdP's userName eq lookup: its one match is the total, no count runs (${process.env.TEST_DATABASE_URL ? "PostgreSQL" : "PGlite"})`, async () => {
  const found = await search({ where: lookup(7), offset: 0, limit: 100 });
  expect(found.result.totalResults).toBe(1);
  expect(found.result.records.map((r) => r.row.userName)).toEqual([largeUserName(7)]);
  expect(found.counted).toBe(false);

  const none = await search({ where: lookup(USERS + 1), offset: 0, limit: 100 });
  expect(none.result).toEqual({ totalResults: 0, records: [] });
  expect(none.counted).toBe(false);
}, 60_000);

test("RFC 7644 §3.4.2.4 the last page, not full, tells the total: what it skipped and what it holds", async () => {
  const last = await search({ where: { kind: "present", attribute: title }, offset: 3, limit: 10 });
  expect(last.result.totalResults).toBe(USERS / 10);
  expect(last.result.records).toHaveLength(USERS / 10 - 3);
  expect(last.counted).toBe(false);
}, 60_000);

test("RFC 7644 §3.4.2.4 a full page, a page past the end and count=0 count the matches", async () => {
  const present = { kind: "present", attribute: title } as const;
  const full = await search({ where: present, offset: 0, limit: 2 });
  expect(full.result.totalResults).toBe(USERS / 10);
  expect(full.result.records).toHaveLength(2);
  expect(full.counted).toBe(true);

  const beyond = await search({ where: present, offset: USERS, limit: 10 });
  expect(beyond.result).toEqual({ totalResults: USERS / 10, records: [] });
  expect(beyond.counted).toBe(true);

  const zero = await search({ where: present, offset: 0, limit: 0 });
  expect(zero.result).toEqual({ totalResults: USERS / 10, records: [] });
  expect(zero.counted).toBe(true);
}, 60_000);

test("RFC 7644 §3.4.2.4 an unfiltered list: a full page takes the kept count, a short last page its own", async () => {
  const first = await search({ offset: 0, limit: 10 });
  expect(first.result.totalResults).toBe(USERS);
  const last = await search({ offset: USERS - 4, limit: 10 });
  expect(last.result.totalResults).toBe(USERS);
  expect(last.result.records).toHaveLength(4);
}, 60_000);
