/**
 * The parameters of a list or search (RFC 7644 §3.4.2, §3.4.3), read from a query string or a
 * SearchRequest body into one shape. Paging is lenient the way RFC 7644 §3.4.2.4 asks: startIndex
 * below 1 is 1, a negative count is 0, a count above the maximum is capped to it. A number that is
 * not an integer PostgreSQL can take (beyond ±2^31-1, such as `startIndex=1e20`) is 400 invalidValue,
 * and so is a parameter with NUL or a lone surrogate, which no stored value can match.
 */
import type { Config } from "../../config";
import { invalidSyntax, invalidValue } from "../errors";
import { requireSafeString } from "../http/json-safety";
import { SEARCH_REQUEST_SCHEMA } from "../schema/scimmy-schemas";

/** PostgreSQL's integer: the largest offset or page size a list can be asked for. */
const MAX_INTEGER_PARAM = 2 ** 31 - 1;

export interface Projection {
  attributes?: string[];
  excludedAttributes?: string[];
}

export interface ListRequest extends Projection {
  filter?: string;
  startIndex: number;
  count: number;
  sortBy?: string;
  sortOrder: "ascending" | "descending";
}

type Params = Record<string, unknown>;

function integerParam(value: unknown, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = typeof value === "number" ? value : Number(String(value).trim());
  if (!Number.isInteger(number)) throw invalidValue(`${name} must be an integer, got "${String(value)}"`);
  if (Math.abs(number) > MAX_INTEGER_PARAM) throw invalidValue(`${name} must be between -${MAX_INTEGER_PARAM} and ${MAX_INTEGER_PARAM}, got "${String(value)}"`);
  return number;
}

function stringParam(value: unknown, name: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw invalidValue(`${name} must be a string`);
  return requireSafeString(value, name);
}

function listParam(value: unknown, name: string): string[] | undefined {
  if (value === undefined || value === "") return undefined;
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((i) => typeof i === "string")) throw invalidValue(`${name} must be a comma-separated list of attribute names`);
  const names = (items as string[])
    .map((i) => requireSafeString(i, name)).flatMap((i) => splitAttributeList(i)).filter(Boolean);
  return names.length ? names : undefined;
}

/** Splits on commas outside brackets, so `emails[type eq "a,b"]` stays one item. */
function splitAttributeList(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "[") depth++;
    else if (text[i] === "]") depth--;
    else if (text[i] === "," && depth <= 0) {
      out.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(text.slice(start).trim());
  return out;
}

/** Parameter names are matched case-insensitively: clients send `Filter`, `StartIndex` … */
function byLowerName(params: Params): Params {
  const out: Params = {};
  for (const [key, value] of Object.entries(params)) out[key.toLowerCase()] = Array.isArray(value) && key !== "attributes" && key !== "excludedAttributes" ? value[0] : value;
  return out;
}

export function readListRequest(source: Params, config: Config): ListRequest {
  const p = byLowerName(source);
  const startIndex = Math.max(1, integerParam(p.startindex, "startIndex") ?? 1);
  const requested = integerParam(p.count, "count");
  const count = Math.min(config.scimMaxPageSize, Math.max(0, requested ?? config.scimDefaultPageSize));
  const sortOrderText = stringParam(p.sortorder, "sortOrder")?.toLowerCase();
  if (sortOrderText !== undefined && sortOrderText !== "ascending" && sortOrderText !== "descending") {
    throw invalidValue(`sortOrder must be "ascending" or "descending", got "${sortOrderText}"`);
  }
  return {
    filter: stringParam(p.filter, "filter"),
    startIndex,
    count,
    sortBy: stringParam(p.sortby, "sortBy"),
    sortOrder: sortOrderText === "descending" ? "descending" : "ascending",
    attributes: listParam(p.attributes, "attributes"),
    excludedAttributes: listParam(p.excludedattributes, "excludedAttributes"),
  };
}

/** POST /.search body (RFC 7644 §3.4.3). */
export function readSearchRequest(body: unknown, config: Config): ListRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidSyntax("The search request must be a JSON object");
  const request = body as Params;
  if (request.schemas !== undefined && !(Array.isArray(request.schemas) && request.schemas.includes(SEARCH_REQUEST_SCHEMA))) {
    throw invalidSyntax(`A search request must declare the schema ${SEARCH_REQUEST_SCHEMA}`);
  }
  const { schemas: _schemas, ...params } = request;
  return readListRequest(params, config);
}
