/**
 * Issue 9's large-tenant benchmark: `GET /Users?sortBy=name.familyName&count=10` sorted every user of
 * the tenant by lower(familyName) (~130 ms for 200,000 users on PGlite) and counted them all for the
 * total (~75 ms). The first page of the ascending sort (RFC 7644 §3.4.2.3: missing values last) must be
 * read from the (connectionId, familyNameKey, id) index under a LIMIT, with no Sort node and no scan
 * of the tenant, and the unfiltered total from ScimTenantCount. The statement checked is the one the
 * search builds (searchUsers, its SQL recorded on the way to the database), planned by the real engine
 * on a seeded tenant after ANALYZE.
 */
import { seedLargeTenant } from "../../bench/large-tenant";
import type { SqlRunner } from "../../src/db/sql-runner";
import { searchUsers } from "../../src/provisioning/query/search-users";
import type { SearchQuery } from "../../src/provisioning/query/predicate";
import { startTestBridge, type TestBridge } from "../helpers/bridge";

const USERS = 5_000;

let bridge: TestBridge;

beforeAll(async () => {
  bridge = await startTestBridge();
  await seedLargeTenant(bridge.db.sql, bridge.connectionId, { users: USERS, titleEvery: 10 });
}, 120_000);
afterAll(() => bridge?.close());

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)];

/** The statement searchUsers runs for `query`, with its answer, and the engine's plan of it. */
async function planOfSearch(query: SearchQuery) {
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
  const [row] = await bridge.db.direct.query<{ "QUERY PLAN": unknown }>(`EXPLAIN (FORMAT JSON) ${statements[0].sql}`, statements[0].params);
  const plan = (typeof row["QUERY PLAN"] === "string" ? JSON.parse(row["QUERY PLAN"]) : row["QUERY PLAN"]) as Array<{ Plan: PlanNode }>;
  return { result, nodes: nodesOf(plan[0].Plan) };
}

const familyName = { path: ["name", "familyName"], type: "string", caseExact: false, multiValued: false } as const;

test(`RFC 7644 §3.4.2.3 sortBy=name.familyName ascending, first page: an index scan under a LIMIT, no Sort, the total kept (${process.env.TEST_DATABASE_URL ? "PostgreSQL" : "PGlite"})`, async () => {
  const { result, nodes } = await planOfSearch({ sort: { attribute: familyName, type: "string", caseExact: false, descending: false }, offset: 0, limit: 10 });
  expect(result.totalResults).toBe(USERS);
  expect(result.records).toHaveLength(10);
  const keys = result.records.map((r) => r.row.familyNameKey);
  expect(keys).toEqual([...keys].sort());

  const index = nodes.find((n) => n["Index Name"] === "ScimUser_connectionId_familyNameKey_id_idx");
  expect(index?.["Node Type"]).toMatch(/^Index( Only)? Scan$/);
  expect(nodes.some((n) => n["Node Type"] === "Limit" && nodesOf(n).includes(index!))).toBe(true);
  expect(nodes.filter((n) => n["Node Type"].includes("Sort"))).toEqual([]);
  // Neither the page nor the total reads the tenant row by row.
  expect(nodes.filter((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === "ScimUser")).toEqual([]);
}, 60_000);
