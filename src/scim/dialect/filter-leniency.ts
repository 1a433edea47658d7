/**
 * Value filters inside PATCH paths (`emails[Type eq work].value`) as IdPs write them → RFC 7644
 * §3.4.2.2 filters, before scimmy parses the path. (`?filter=` query parameters are read, just as
 * leniently, by the SCIM core's own parser in src/scim/filter.) Rewrites only what is unambiguous:
 * sub-attribute names in their canonical spelling (RFC 7643 §2.1: names are case-insensitive),
 * operators in lower case (PingFederate writes `Eq`), and unquoted comparison values quoted
 * (Microsoft's reference suite writes `emails.Value co example.com`). Anything it does not understand is
 * returned unchanged, so that the parser reports the real error.
 */
import { attributesOf, canonicalSubAttribute } from "./schema-names";
import type { ScimResourceType } from "./types";

const COMPARISONS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const LITERAL = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/i;

type Token = { kind: "space" | "open" | "close" | "string" | "word"; text: string };

function tokenize(filter: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    let j = i + 1;
    if (/\s/.test(c)) {
      while (j < filter.length && /\s/.test(filter[j])) j++;
      tokens.push({ kind: "space", text: filter.slice(i, j) });
    } else if (c === "(" || c === ")") {
      tokens.push({ kind: c === "(" ? "open" : "close", text: c });
    } else if (c === '"') {
      while (j < filter.length && filter[j] !== '"') j += filter[j] === "\\" ? 2 : 1;
      if (j >= filter.length) return undefined; // unterminated string: let the parser say so
      j++;
      tokens.push({ kind: "string", text: filter.slice(i, j) });
    } else if (c === "[" || c === "]") {
      return undefined; // no nested value filters inside a value filter
    } else {
      while (j < filter.length && !/[\s()[\]"]/.test(filter[j])) j++;
      tokens.push({ kind: "word", text: filter.slice(i, j) });
    }
    i = j;
  }
  return tokens;
}

/** `filter` as written inside `parent[…]`, normalised; unchanged when it is not understood. */
export function normalizeValueFilter(type: ScimResourceType, parent: { urn?: string; attribute: string }, filter: string): string {
  const tokens = tokenize(filter);
  if (!tokens) return filter;
  const table = attributesOf(type, parent.urn);
  const out: string[] = [];
  let expect: "attribute" | "operator" | "value" | "logical" = "attribute";
  let depth = 0;
  for (const token of tokens) {
    const lower = token.text.toLowerCase();
    if (token.kind === "space") out.push(token.text);
    else if (expect === "attribute" && token.kind === "open") {
      out.push("(");
      depth++;
    } else if (expect === "attribute" && token.kind === "word" && lower === "not") out.push("not");
    else if (expect === "attribute" && token.kind === "word") {
      out.push(canonicalSubAttribute(table, parent.attribute, token.text));
      expect = "operator";
    } else if (expect === "operator" && token.kind === "word" && lower === "pr") {
      out.push("pr");
      expect = "logical";
    } else if (expect === "operator" && token.kind === "word" && COMPARISONS.has(lower)) {
      out.push(lower);
      expect = "value";
    } else if (expect === "value" && token.kind === "string") {
      out.push(token.text);
      expect = "logical";
    } else if (expect === "value" && token.kind === "word") {
      out.push(LITERAL.test(token.text) ? lower : JSON.stringify(token.text));
      expect = "logical";
    } else if (expect === "logical" && token.kind === "close" && depth > 0) {
      out.push(")");
      depth--;
    } else if (expect === "logical" && token.kind === "word" && (lower === "and" || lower === "or")) {
      out.push(lower);
      expect = "attribute";
    } else return filter;
  }
  return expect === "logical" && depth === 0 ? out.join("") : filter;
}
