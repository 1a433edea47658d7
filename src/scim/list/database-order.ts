/**
 * sortBy → database ORDER BY for the attributes that have a column (RFC 7644 §3.4.2.3): always ends
 * with id as a unique tie-break, so paging is stable; undefined means "sort in memory".
 */
import type { ResolvedAttribute } from "../schema/attribute-catalog";

export function databaseOrder<OrderBy>(columns: Record<string, string>, nullable: ReadonlySet<string>) {
  return (sortBy: ResolvedAttribute | undefined, descending: boolean): OrderBy[] | undefined => {
    const direction = descending ? "desc" : "asc";
    // Default order: creation, so paging through an import (Okta O-04) is stable.
    if (!sortBy) return [{ createdAt: "asc" }, { id: "asc" }] as OrderBy[];
    const column = columns[sortBy.canonical];
    if (!column) return undefined;
    // Prisma accepts `nulls` only on optional columns.
    const order = nullable.has(sortBy.canonical) ? { sort: direction, nulls: "last" } : direction;
    return [{ [column]: order }, { id: direction }] as OrderBy[];
  };
}
