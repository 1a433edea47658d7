/**
 * The shape both searches share: one statement answering the total and one page of rows
 * (LIMIT/OFFSET in the given order) side by side. The page is a LATERAL subquery joined to the total,
 * so an empty page still yields the total (one row whose page columns are NULL).
 *
 * The total of a filtered search is a COUNT over the matches. Without a filter the matches are all
 * the connection's live rows, whose number ScimTenantCount keeps (sql/tenant-count.ts): counting them
 * instead was a scan of the whole tenant, ~75 ms of a 200,000-user list on PGlite.
 */
import type { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import type { TenantCountColumn } from "../sql/tenant-count";
import type { SearchQuery } from "./predicate";

export interface SearchResult<T> {
  totalResults: number;
  records: T[];
}

export interface PageParts {
  table: string;
  alias: string;
  /** The connection's live rows, and the query's filter if it has one. */
  where: string;
  select: string;
  orderBy: string;
  query: SearchQuery;
  /** Where the connection's live rows are counted: the total when the query has no filter. */
  liveCount: { connectionId: string; column: TenantCountColumn };
}

export function pageStatement(p: SqlParams, parts: PageParts) {
  // The page's ids are chosen first and the rows read after: a sort (a deep page of an unindexed
  // order sorts the whole tenant) then carries ids and keys, not whole resources.
  const pageIds = `SELECT ${parts.alias}."id" FROM ${parts.table} WHERE ${parts.where} ORDER BY ${parts.orderBy} LIMIT ${p.add(parts.query.limit)} OFFSET ${p.add(parts.query.offset)}`;
  const total = parts.query.where
    ? `SELECT count(*)::int AS "totalResults" FROM ${parts.table} WHERE ${parts.where}`
    : `SELECT COALESCE((SELECT "${parts.liveCount.column}" FROM "ScimTenantCount" WHERE "connectionId" = ${p.uuid(parts.liveCount.connectionId)}), 0) AS "totalResults"`;
  const sql = `SELECT total."totalResults", page.* FROM (${total}) total
    LEFT JOIN LATERAL (SELECT ${parts.select} FROM unnest(ARRAY(${pageIds})) WITH ORDINALITY AS chosen("id", "n")
      JOIN ${parts.table} ON ${parts.alias}."id" = chosen."id" ORDER BY chosen."n") page ON TRUE`;
  return {
    async run<Row extends { id: string }>(db: SqlRunner): Promise<{ totalResults: number; rows: Row[] }> {
      const result = await db.query<Row & { totalResults: number }>(sql, p.values);
      const totalResults = result[0]?.totalResults ?? 0;
      return { totalResults, rows: result.filter((r) => r.id !== null).map(({ totalResults: _total, ...row }) => row as unknown as Row) };
    },
  };
}
