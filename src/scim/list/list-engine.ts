/**
 * One list algorithm for Users and Groups (RFC 7644 §3.4.2): filter, sort, page.
 *
 * Fast path: the whole filter and the sort translate to the database → one paged query (plus a
 * COUNT only when the page could be partial evidence of the total). Slow path: some part of the
 * filter or the sort needs the in-memory evaluator → the rows the database part selects are
 * fetched, evaluated, sorted and paged here.
 */
import { bindFilter } from "../filter/filter-binding";
import type { Filter } from "../filter/filter";
import { matchesFilter, valuesAt } from "../filter/filter-evaluator";
import { parseFilter } from "../filter/filter-syntax";
import { invalidValue } from "../errors";
import type { ResolvedAttribute, ResourceCatalog } from "../schema/attribute-catalog";
import type { ListRequest } from "./list-request";

type Json = Record<string, unknown>;

export interface ListSource<Where, OrderBy, Row> {
  readonly catalog: ResourceCatalog;
  split(filter: Filter | undefined): { where: Where[]; residual: Filter | undefined };
  /** Database ordering for a sort attribute (undefined: sort in memory); always ends with a unique tie-break. */
  orderBy(sortBy: ResolvedAttribute | undefined, descending: boolean): OrderBy[] | undefined;
  fetch(query: { where: Where[]; orderBy: OrderBy[]; skip?: number; take?: number; withRelation: boolean }): Promise<Row[]>;
  count(where: Where[]): Promise<number>;
  /** A faster reader for point-lookup filters (`userName eq "…"`), or undefined when `filter` is not one. */
  lookup?(filter: Filter): ((query: { take: number; withRelation: boolean }) => Promise<Row[]>) | undefined;
  /** Full SCIM JSON of a row (before projection). */
  toResource(row: Row): Json;
}

export interface ListResult {
  totalResults: number;
  resources: Json[];
}

export function bindListFilter(expression: string | undefined, catalog: ResourceCatalog): Filter | undefined {
  return expression === undefined ? undefined : bindFilter(parseFilter(expression), catalog);
}

export async function listResources<W, O, R>(source: ListSource<W, O, R>, request: ListRequest, withRelation: boolean, filter: Filter | undefined): Promise<ListResult> {
  const { where, residual } = source.split(filter);
  const sortBy = request.sortBy === undefined ? undefined : source.catalog.resolve(request.sortBy.replace(/\[.*\]/, ""));
  if (request.sortBy !== undefined && !sortBy) throw invalidValue(`sortBy "${request.sortBy}" is not an attribute of ${source.catalog.resourceType}`);
  const descending = request.sortOrder === "descending";
  const orderBy = source.orderBy(sortBy, descending);
  const skip = request.startIndex - 1;

  // The IdP's pre-check (`userName eq "…"`, first page, default order): one indexed statement.
  const lookup = filter && request.sortBy === undefined && skip === 0 && request.count > 0 ? source.lookup?.(filter) : undefined;
  if (lookup) {
    const rows = await lookup({ take: request.count, withRelation });
    if (rows.length < request.count) return { totalResults: rows.length, resources: rows.map((r) => source.toResource(r)) };
  }

  if (!residual && orderBy) {
    if (request.count === 0) return { totalResults: await source.count(where), resources: [] };
    const rows = await source.fetch({ where, orderBy, skip, take: request.count, withRelation });
    // A short first page is the whole result: no COUNT needed (the common `userName eq` lookup).
    const totalResults = skip === 0 && rows.length < request.count ? rows.length : await source.count(where);
    return { totalResults, resources: rows.map((r) => source.toResource(r)) };
  }

  // Residual filters on members/groups need the relation to decide.
  const rows = await source.fetch({ where, orderBy: orderBy ?? source.orderBy(undefined, false)!, withRelation: true });
  let resources = rows.map((r) => source.toResource(r));
  if (residual) resources = resources.filter((resource) => matchesFilter(residual, resource));
  if (!orderBy && sortBy) resources = sortInMemory(resources, sortBy, descending);
  return { totalResults: resources.length, resources: resources.slice(skip, skip + request.count) };
}

function sortKey(resource: Json, attribute: ResolvedAttribute): unknown {
  const values = valuesAt(resource, attribute.jsonPath);
  if (attribute.top.multiValued && !attribute.sub) {
    // RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary (else first) value.
    const elements = values as Json[];
    const chosen = elements.find((e) => e?.primary === true) ?? elements[0];
    return chosen?.value;
  }
  return values[0];
}

function sortInMemory(resources: Json[], attribute: ResolvedAttribute, descending: boolean): Json[] {
  const def = attribute.sub ?? attribute.top;
  const normalise = (value: unknown): string | number | undefined => {
    if (value === undefined || value === null) return undefined;
    if (def.type === "dateTime") return Date.parse(String(value));
    if (typeof value === "number") return value;
    if (typeof value === "boolean") return value ? 1 : 0;
    return def.caseExact ? String(value) : String(value).toLowerCase();
  };
  const keyed = resources.map((resource) => ({ resource, key: normalise(sortKey(resource, attribute)), id: String(resource.id) }));
  keyed.sort((a, b) => {
    // Missing values last whatever the direction; ties broken by id for stable paging.
    if (a.key === undefined || b.key === undefined) return a.key === b.key ? (a.id < b.id ? -1 : 1) : a.key === undefined ? 1 : -1;
    const order = a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
    return descending ? -order : order;
  });
  return keyed.map((k) => k.resource);
}
