/**
 * SortKey → ORDER BY (RFC 7644 §3.4.2.3): case-insensitive for caseExact false attributes, a
 * multi-valued attribute by its primary value else its first, missing values last in both
 * directions, and always the id as the last key so paging is stable. Without a sort key: creation
 * order. A column that is never NULL sorts without a NULLS clause, so its index can serve the order
 * in both directions.
 */
import type { SqlParams } from "../../db/sql-params";
import { DATE_TIME } from "./compile-predicate";
import type { AttributeType, SortKey } from "./predicate";
import type { Column, Storage } from "./storage";

export function compileSort(sort: SortKey | undefined, storage: Storage, p: SqlParams): string {
  const id = `${storage.alias}."id"`;
  if (!sort) return `${storage.alias}."createdAt" ASC, ${id} ASC`;
  const direction = sort.descending ? "DESC" : "ASC";
  const { sql, nullable } = sortValue(sort, storage, p);
  return `${sql} ${direction}${nullable ? " NULLS LAST" : ""}, ${id} ${direction}`;
}

function sortValue(sort: SortKey, storage: Storage, p: SqlParams): { sql: string; nullable: boolean } {
  const path = sort.attribute.path.join(".");
  if (sort.element) {
    const relation = storage.relation(path);
    if (relation && !relation.inResource) {
      const column = sort.element.length === 1 ? relation.element(sort.element[0]) : undefined;
      if (!column) return { sql: "NULL", nullable: false };
      return { sql: `(SELECT ${columnValue(column, sort.caseExact)} FROM ${relation.from} ORDER BY ${relation.order} LIMIT 1)`, nullable: true };
    }
    const json = `(${storage.resource} #> ${p.add(sort.attribute.path)}::text[])`;
    // Functions rather than a subquery per row: sorting a large tenant evaluates this for every user.
    const chosen = `(COALESCE(jsonb_path_query_first(${json}, '$[*] ? (@.primary == true)'), ${json} -> 0) #> ${p.add(sort.element)}::text[])`;
    return { sql: jsonValue(chosen, sort.type, sort.caseExact), nullable: true };
  }
  const column = storage.column(path);
  if (column === "absent") return { sql: "NULL", nullable: false };
  if (column) return { sql: columnValue(column, sort.caseExact), nullable: column.nullable };
  return { sql: jsonValue(`(${storage.resource} #> ${p.add(sort.attribute.path)}::text[])`, sort.type, sort.caseExact), nullable: true };
}

function columnValue(column: Column, caseExact: boolean): string {
  // An empty string is a missing value (RFC 7643 §2.5: unassigned), sorted last like NULL.
  if (column.kind === "text") return caseExact ? `NULLIF(${column.sql}, '')` : `NULLIF(lower(${column.sql}), '')`;
  return column.sql;
}

/** A JSON value as a sortable SQL value of its schema type; NULL when absent, empty or of another type. */
function jsonValue(json: string, type: AttributeType, caseExact: boolean): string {
  const text = `(${json} #>> '{}')`;
  switch (type) {
    case "boolean":
      return `CASE WHEN jsonb_typeof(${json}) = 'boolean' THEN ${text}::boolean END`;
    case "integer":
    case "decimal":
      return `CASE WHEN jsonb_typeof(${json}) = 'number' THEN ${text}::numeric END`;
    case "dateTime":
      return `CASE WHEN jsonb_typeof(${json}) = 'string' AND ${text} ~ ${DATE_TIME} THEN ${text}::timestamptz END`;
    default:
      return `CASE WHEN jsonb_typeof(${json}) = 'string' THEN NULLIF(${caseExact ? text : `lower(${text})`}, '') END`;
  }
}
