/**
 * The shape both searches share: one statement answering the total (a COUNT over the matches) and
 * one page of rows (LIMIT/OFFSET in the given order) side by side. The page is a LATERAL subquery
 * joined to the count, so an empty page still yields the total (one row whose page columns are NULL).
 */
import type { SqlParams } from "../../db/sql-params";
import type { SqlRunner } from "../../db/sql-runner";
import type { SearchQuery } from "./predicate";

export interface SearchResult<T> {
  totalResults: number;
  records: T[];
}

export function pageStatement(p: SqlParams, parts: { table: string; alias: string; where: string; select: string; orderBy: string; query: SearchQuery }) {
  // The page's ids are chosen first and the rows read after: a sort (a deep page of an unindexed
  // order sorts the whole tenant) then carries ids and keys, not whole resources.
  const pageIds = `SELECT ${parts.alias}."id" FROM ${parts.table} WHERE ${parts.where} ORDER BY ${parts.orderBy} LIMIT ${p.add(parts.query.limit)} OFFSET ${p.add(parts.query.offset)}`;
  const sql = `SELECT total."totalResults", page.* FROM (SELECT count(*)::int AS "totalResults" FROM ${parts.table} WHERE ${parts.where}) total
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
