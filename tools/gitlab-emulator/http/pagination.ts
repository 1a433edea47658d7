/**
 * Offset and keyset pagination with GitLab's headers (contract §5): x-page, x-per-page, x-next-page and
 * x-prev-page (empty strings at the ends), x-total and x-total-pages, and a link header with prev/next
 * when they exist, first always and last only when counts are present. Above 10,000 rows GitLab stops
 * counting and drops x-total, x-total-pages and rel="last".
 */
import type { Context, Reply } from "./router";
import { paramError } from "./errors";
import type { JsonMemo } from "./json-memo";

export const MAX_COUNT_LIMIT = 10_000;
/** contract §5: per_page above 100 is clamped (unconfirmed; the documented maximum is 100). */
export const MAX_PER_PAGE = 100;

interface PageParams {
  page: number;
  perPage: number;
}

function positiveInt(ctx: Context, name: string, fallback: number): number {
  const raw = ctx.input[name];
  if (raw === undefined || raw === "") return fallback;
  const s = String(raw);
  if (!/^-?\d+$/.test(s)) throw paramError(`${name} is invalid`);
  const n = Number(s);
  return n < 1 ? fallback : n;
}

export function readPageParams(ctx: Context): PageParams {
  return { page: positiveInt(ctx, "page", 1), perPage: Math.min(positiveInt(ctx, "per_page", 20), MAX_PER_PAGE) };
}

/** The request URL without page/per_page, ready for `page=…&per_page=…` to be appended. */
function linkPrefix(ctx: Context): string {
  let rest = "";
  for (const [k, v] of ctx.query) {
    if (k === "page" || k === "per_page") continue;
    rest += `${encodeComponent(k)}=${encodeComponent(v)}&`;
  }
  return `${ctx.baseUrl}${ctx.path}?${rest}`;
}

/** The characters encodeURIComponent leaves as they are (ECMA-262 uriUnreserved). */
const UNRESERVED = /^[A-Za-z0-9\-_.!~*'()]*$/;

/** encodeURIComponent, skipped for the usual query text that it would return unchanged. */
const encodeComponent = (text: string) => (UNRESERVED.test(text) ? text : encodeURIComponent(text));

/** One link-header entry; a plain function rather than a closure per request. */
function link(prefix: string, page: number, perPageText: string, rel: string): string {
  return `<${prefix}page=${page}&per_page=${perPageText}>; rel="${rel}"`;
}

/**
 * Answers one page of `rows` (already filtered and ordered) with the offset pagination headers. With a
 * memo (rows that are records), each row's entity text is reused while the entity is unchanged.
 */
export function paginate<T>(ctx: Context, rows: readonly T[], render: (row: T) => unknown, memo?: JsonMemo<T & object>): Reply {
  const { page, perPage } = readPageParams(ctx);
  const total = rows.length;
  const counted = total <= MAX_COUNT_LIMIT;
  const offset = (page - 1) * perPage;
  const slice = rows.slice(offset, offset + perPage);
  const totalPages = Math.max(1, Math.ceil(total / perPage)); // contract §5: empty result → 1 (unconfirmed)
  const hasNext = offset + perPage < total;
  const hasPrev = page > 1;
  const perPageText = String(perPage);

  const prefix = linkPrefix(ctx);
  const links: string[] = [];
  if (hasPrev) links.push(link(prefix, page - 1, perPageText, "prev"));
  if (hasNext) links.push(link(prefix, page + 1, perPageText, "next"));
  links.push(link(prefix, 1, perPageText, "first"));
  if (counted) links.push(link(prefix, totalPages, perPageText, "last"));

  const headers: Record<string, string> = {
    "x-page": String(page),
    "x-per-page": perPageText,
    "x-next-page": hasNext ? String(page + 1) : "",
    "x-prev-page": hasPrev ? String(page - 1) : "",
    link: links.join(", "),
  };
  if (counted) {
    headers["x-total"] = String(total);
    headers["x-total-pages"] = String(totalPages);
  }
  const body = slice.map(render);
  if (!memo) return { status: 200, body, headers };
  return { status: 200, body, headers, json: memo.stringifyList(slice as readonly (T & object)[], body) };
}

/**
 * Keyset pagination (contract §5): the next page is reachable only through link rel="next" (an opaque
 * `cursor`), there are no totals, and the last page carries no link.
 */
export function paginateKeyset<T>(
  ctx: Context,
  rows: readonly T[],
  keyOf: (row: T) => string,
  render: (row: T) => unknown,
): Reply {
  const { perPage } = readPageParams(ctx);
  const cursor = ctx.input.cursor;
  let start = 0;
  if (typeof cursor === "string" && cursor !== "") {
    let after: string;
    try {
      after = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")).after;
    } catch {
      throw paramError("cursor is invalid");
    }
    start = rows.findIndex((row) => keyOf(row) === after) + 1;
    if (start === 0) start = rows.length;
  }
  const slice = rows.slice(start, start + perPage);
  const headers: Record<string, string> = { "x-per-page": String(perPage) };
  if (start + perPage < rows.length) {
    const next = Buffer.from(JSON.stringify({ after: keyOf(slice[slice.length - 1]) })).toString("base64url");
    const query = new URLSearchParams(ctx.query);
    query.set("cursor", next);
    query.set("per_page", String(perPage));
    headers.link = `<${ctx.baseUrl}${ctx.path}?${query.toString()}>; rel="next"`;
  }
  return { status: 200, body: slice.map(render), headers };
}
