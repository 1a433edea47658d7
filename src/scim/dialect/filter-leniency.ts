/**
 * Filter strings as IdPs write them → RFC 7644 §3.4.2.2 filters, before parsing. Rewrites only what is
 * unambiguous: attribute names in their canonical spelling (names are case-insensitive: Microsoft's suite
 * sends `DisplayName`, `name.FamilyName`, `meta.Created`), operators in lower case (PingFederate's
 * `username Eq "…"`), and unquoted comparison values quoted (Microsoft's suite and older Entra docs send
 * `name.FamilyName eq Employee`, `externalId eq jyoung`). Anything it does not understand is returned
 * unchanged, so that the parser reports the real invalidFilter.
 */
import { canonicalSubAttribute, attributesOf, joinAttributePath, splitAttributePath } from "./schema-names";
import type { ScimResourceType } from "./types";

const COMPARISONS = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const LITERAL = /^(true|false|null|-?\d+(\.\d+)?([eE][+-]?\d+)?)$/i;

type Token = { kind: "space" | "open" | "close" | "openBracket" | "closeBracket" | "string" | "word"; text: string };

function tokenize(filter: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i];
    if (/\s/.test(c)) {
      let j = i;
      while (j < filter.length && /\s/.test(filter[j])) j++;
      tokens.push({ kind: "space", text: filter.slice(i, j) });
      i = j;
    } else if ("()[]".includes(c)) {
      tokens.push({ kind: ({ "(": "open", ")": "close", "[": "openBracket", "]": "closeBracket" } as const)[c as "(" | ")" | "[" | "]"], text: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < filter.length && filter[j] !== '"') j += filter[j] === "\\" ? 2 : 1;
      if (j >= filter.length) return undefined; // unterminated string: let the parser say so
      tokens.push({ kind: "string", text: filter.slice(i, j + 1) });
      i = j + 1;
    } else {
      let j = i;
      while (j < filter.length && !/[\s()[\]"]/.test(filter[j])) j++;
      tokens.push({ kind: "word", text: filter.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

/** Rewrites `filter`; `parent` is the multi-valued attribute a value filter (`emails[…]`) applies to. */
function rewrite(type: ScimResourceType, filter: string, parent?: { urn?: string; attribute: string }): string | undefined {
  const tokens = tokenize(filter);
  if (!tokens) return undefined;
  const out: string[] = [];
  const parents: Array<{ urn?: string; attribute: string } | undefined> = [];
  let current = parent;
  let lastAttribute: { urn?: string; attribute: string } | undefined;
  let expect: "attribute" | "operator" | "value" | "logical" = "attribute";
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const token = tokens[k];
    const lower = token.text.toLowerCase();
    if (token.kind === "space") {
      out.push(token.text);
      continue;
    }
    switch (expect) {
      case "attribute":
        if (token.kind === "open") {
          out.push("(");
          depth++;
        }
        else if (token.kind === "word" && lower === "not") out.push("not");
        else if (token.kind === "word") {
          if (current) {
            out.push(canonicalSubAttribute(attributesOf(type, current.urn), current.attribute, token.text));
          } else {
            const ref = splitAttributePath(type, token.text);
            lastAttribute = ref.sub === undefined ? ref : undefined;
            out.push(joinAttributePath(ref));
          }
          expect = "operator";
        } else return undefined;
        break;
      case "operator":
        if (token.kind === "openBracket" && lastAttribute && !current) {
          parents.push(current);
          current = lastAttribute;
          out.push("[");
          expect = "attribute";
        } else if (token.kind === "word" && lower === "pr") {
          out.push("pr");
          expect = "logical";
        } else if (token.kind === "word" && COMPARISONS.has(lower)) {
          out.push(lower);
          expect = "value";
        } else return undefined;
        break;
      case "value":
        if (token.kind === "string") out.push(token.text);
        else if (token.kind === "word") out.push(LITERAL.test(token.text) ? token.text.toLowerCase() : JSON.stringify(token.text));
        else return undefined;
        expect = "logical";
        break;
      case "logical":
        if (token.kind === "close" && depth > 0) {
          out.push(")");
          depth--;
        }
        else if (token.kind === "closeBracket" && parents.length) {
          const outer = current;
          current = parents.pop();
          out.push("]");
          // `emails[type eq "work"].value eq "…"` (Entra): a sub-attribute after the bracket, then an operator.
          const next = tokens[k + 1];
          if (next?.kind === "word" && next.text.startsWith(".") && outer) {
            out.push(`.${canonicalSubAttribute(attributesOf(type, outer.urn), outer.attribute, next.text.slice(1))}`);
            k++;
            lastAttribute = undefined;
            expect = "operator";
          }
        } else if (token.kind === "word" && (lower === "and" || lower === "or")) {
          out.push(lower);
          expect = "attribute";
        } else return undefined;
        break;
    }
  }
  return expect === "logical" && parents.length === 0 && depth === 0 ? out.join("") : undefined;
}

/** A filter string with IdP leniencies resolved (see the module comment); unchanged if not understood. */
export function normalizeFilterString(type: ScimResourceType, filter: string): string {
  return rewrite(type, filter) ?? filter;
}

/** The value filter inside a PATCH path (`emails[type eq work]`), normalised relative to its attribute. */
export function normalizeValueFilter(type: ScimResourceType, parent: { urn?: string; attribute: string }, filter: string): string {
  return rewrite(type, filter, parent) ?? filter;
}
