/**
 * The shape both searches share: one statement answering the total and one page of rows
 * (LIMIT/OFFSET in the given order) side by side. The page's ids are chosen first, then the page is a
 * LATERAL subquery joined to the total, so an empty page still yields the total (one row whose page
 * columns are NULL).
 *
 * The total of a filtered search is a COUNT over the matches. Without a filter the matches are all
 * the connection's live rows, whose number ScimTenantCount keeps (sql/tenant-count.ts): counting them
 * instead was a scan of the whole tenant, ~75 ms of a 200,000-user list on PGlite.
 *
 * A page that is not full and not past the end already tells the total: the matches before it
 * (the offset) and its own. Then the count is not run at all (its subquery is only evaluated in the
 * CASE branch that needs it), which spares the IdP's `userName eq "…"` lookup, whose one match
 * never fills a page, its second probe of the index and the row.
 */
import { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import type { TenantCountColumn } from "../sql/tenant-count";
import { compilePredicate } from "./compile-predicate";
import { compileSort } from "./compile-sort";
import type { SearchQuery } from "./predicate";
import type { Storage } from "./storage";

export interface SearchResult<T> {
  totalResults: number;
  records: T[];
}

export interface PageParts {
  /** The resource table; its rows are `storage.alias` in the statement. */
  table: string;
  storage: Storage;
  connectionId: string;
  /** The page's columns (the row, and a membership JSON piece when the response shows it), over the storage's joins. */
  select: string;
  query: SearchQuery;
  /** Where ScimTenantCount counts the connection's live rows: the total when the query has no filter. */
  liveCountColumn: TenantCountColumn;
}

export function pageStatement(parts: PageParts) {
  const p = new SqlParams();
  const { alias } = parts.storage;
  const table = `${parts.table} ${alias}`;
  // With the joins that some columns (filters, sorts, the page's select) read.
  const joined = `${table}${parts.storage.joins}`;
  const filter = parts.query.where ? ` AND ${compilePredicate(parts.query.where, parts.storage, p)}` : "";
  const connectionId = p.uuid(parts.connectionId);
  const where = `${alias}."connectionId" = ${connectionId} AND ${alias}."deletedAt" IS NULL${filter}`;
  const orderBy = compileSort(parts.query.sort, parts.storage, p);
  const limit = p.add(parts.query.limit);
  const offset = p.add(parts.query.offset);
  const pageIds = `SELECT ${alias}."id" FROM ${joined} WHERE ${where} ORDER BY ${orderBy} LIMIT ${limit} OFFSET ${offset}`;
  const counted = parts.query.where
    ? `SELECT count(*)::int FROM ${joined} WHERE ${where}`
    : `SELECT COALESCE((SELECT "${parts.liveCountColumn}" FROM "ScimTenantCount" WHERE "connectionId" = ${connectionId}), 0)`;
  // OFFSET 0 keeps the ids a subquery of their own, computed once: pulled up, each use re-ran it.
  const size = `cardinality(ids."page")`;
  const sql = `SELECT total."totalResults", page.* FROM (SELECT ARRAY(${pageIds}) AS "page" OFFSET 0) ids
    CROSS JOIN LATERAL (SELECT CASE WHEN ${size} < ${limit}::int AND (${size} > 0 OR ${offset}::int = 0) THEN ${offset}::int + ${size}
      ELSE (${counted}) END AS "totalResults") total
    LEFT JOIN LATERAL (SELECT ${parts.select} FROM unnest(ids."page") WITH ORDINALITY AS chosen("id", "n")
      JOIN ${table} ON ${alias}."id" = chosen."id"${parts.storage.joins} ORDER BY chosen."n") page ON TRUE`;
  return {
    async run<Row extends { id: string }>(db: SqlRunner): Promise<{ totalResults: number; rows: Row[] }> {
      const result = await db.query<Row & { totalResults: number }>(sql, p.values);
      const totalResults = result[0]?.totalResults ?? 0;
      return { totalResults, rows: result.filter((r) => r.id !== null).map(({ totalResults: _total, ...row }) => row as unknown as Row) };
    },
  };
}
