/**
 * One list algorithm for Users and Groups (RFC 7644 §3.4.2): the request's filter, sortBy and page
 * become the store's neutral SearchQuery (src/provisioning/query/predicate.ts), which the store
 * answers with one statement — total and page both from the database. Nothing is filtered, sorted
 * or paged here, and the IdP's `userName eq "…"` lookup takes this same path.
 */
import type { Predicate, SearchQuery, SortKey } from "../../provisioning/query/predicate";
import type { SearchResult } from "../../provisioning/query/page-statement";
import { bindFilter } from "../filter/filter-binding";
import { parseFilter } from "../filter/filter-syntax";
import { invalidValue } from "../errors";
import type { ResourceCatalog } from "../schema/attribute-catalog";
import type { ListRequest } from "./list-request";

type Json = Record<string, unknown>;

export interface ListSource<Row> {
  readonly catalog: ResourceCatalog;
  /** `withRelation`: the response shows groups (Users) or members (Groups). */
  search(query: SearchQuery, withRelation: boolean): Promise<SearchResult<Row>>;
  /** Full SCIM JSON of a row (before projection). */
  toResource(row: Row): Json;
}

export interface ListResult {
  totalResults: number;
  resources: Json[];
}

export function bindListFilter(expression: string | undefined, catalog: ResourceCatalog): Predicate | undefined {
  return expression === undefined ? undefined : bindFilter(parseFilter(expression), catalog);
}

/** sortBy → SortKey (RFC 7644 §3.4.2.3); a multi-valued attribute sorts by its primary (else first) value. */
export function sortKeyOf(request: Pick<ListRequest, "sortBy" | "sortOrder">, catalog: ResourceCatalog): SortKey | undefined {
  if (request.sortBy === undefined) return undefined;
  const attribute = catalog.resolve(request.sortBy.replace(/\[.*\]/, ""));
  if (!attribute) throw invalidValue(`sortBy "${request.sortBy}" is not an attribute of ${catalog.resourceType}`);
  const { top, sub, jsonPath } = attribute;
  const descending = request.sortOrder === "descending";
  const ref = (path: readonly string[]) => ({ path, type: top.type, caseExact: top.caseExact, multiValued: top.multiValued });
  if (top.multiValued) {
    const element = sub ?? top.subAttributes.get("value");
    if (top.type === "complex" && !element) throw invalidValue(`sortBy "${request.sortBy}": ${top.name} has no value to sort by`);
    const path = sub ? jsonPath.slice(0, -1) : jsonPath;
    if (!element) return { attribute: ref(path), element: [], type: top.type, caseExact: top.caseExact, descending };
    return { attribute: ref(path), element: [element.name], type: element.type, caseExact: element.caseExact, descending };
  }
  const def = sub ?? top;
  if (def.type === "complex") throw invalidValue(`sortBy "${request.sortBy}" is a complex attribute: name one of its sub-attributes`);
  return { attribute: { path: jsonPath, type: def.type, caseExact: def.caseExact, multiValued: false }, type: def.type, caseExact: def.caseExact, descending };
}

export async function listResources<R>(source: ListSource<R>, request: ListRequest, withRelation: boolean, where: Predicate | undefined): Promise<ListResult> {
  const query: SearchQuery = { where, sort: sortKeyOf(request, source.catalog), offset: request.startIndex - 1, limit: request.count };
  const result = await source.search(query, withRelation);
  return { totalResults: result.totalResults, resources: result.records.map((r) => source.toResource(r)) };
}
