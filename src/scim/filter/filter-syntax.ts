/**
 * RFC 7644 §3.4.2.2 filter syntax → a plain syntax tree, with no knowledge of schemas.
 *
 * Our own parser rather than SCIMMY.Types.Filter: scimmy flattens filters into an OR-of-AND-maps,
 * which rewrites `not (a or b)` into `not a or not b` (wrong), collides two conditions on one
 * attribute, rejects `not (…)` nested in a group and answers `bogus` with a TypeError. A tree keeps
 * the structure we need to translate filters into database conditions.
 *
 * Lenient where real clients are sloppy: operators and logical words in any case, unquoted values
 * (Microsoft's reference tests send `userName sw O`, `emails.Value co example.com` and unquoted
 * timestamps), `not` without parentheses.
 */
import { invalidFilter } from "../errors";
import { isSafeString } from "../http/json-safety";

export type CompareOperator = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type FilterLiteral = string | number | boolean | null;

export type FilterSyntax =
  /** n-ary: `a or b or c` is one node with three operands, so long chains never nest. */
  | { kind: "and" | "or"; operands: FilterSyntax[] }
  | { kind: "not"; operand: FilterSyntax }
  | { kind: "compare"; path: string; op: CompareOperator; value: FilterLiteral }
  | { kind: "present"; path: string }
  /** `emails[type eq "work"]`: some element of a multi-valued attribute matches the inner filter. */
  | { kind: "valuePath"; path: string; filter: FilterSyntax };

const COMPARE_OPERATORS = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);

/**
 * The documented limits (README "Filters"): at most MAX_FILTER_TERMS attribute expressions
 * (`userName eq "x"`, `title pr`), nested at most MAX_FILTER_DEPTH deep (each `not`, `not (…)`, `(…)`
 * and `[…]` is one level), in at most MAX_FILTER_LENGTH characters. Beyond them: 400 invalidFilter
 * naming the limit. The depth limit also bounds every recursion over the tree, here and in the store.
 */
export const MAX_FILTER_TERMS = 1000;
export const MAX_FILTER_DEPTH = 256;
export const MAX_FILTER_LENGTH = 100_000;

type Token = { type: "word"; text: string } | { type: "string"; text: string } | { type: "(" | ")" | "[" | "]"; text: string };

function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "(" || c === ")" || c === "[" || c === "]") {
      tokens.push({ type: c, text: c });
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < input.length && input[j] !== '"') j += input[j] === "\\" ? 2 : 1;
      if (j >= input.length) throw invalidFilter(`Unterminated string in filter at position ${i + 1}`);
      let text: string;
      try {
        text = JSON.parse(input.slice(i, j + 1)) as string;
      } catch {
        throw invalidFilter(`Invalid string literal in filter at position ${i + 1}`);
      }
      // An escape can spell what no stored value holds and PostgreSQL refuses as a parameter.
      if (!isSafeString(text)) throw invalidFilter(`The string literal at position ${i + 1} contains NUL or a lone UTF-16 surrogate`);
      tokens.push({ type: "string", text });
      i = j + 1;
    } else {
      let j = i;
      while (j < input.length && !" \t\n\r()[]\"".includes(input[j])) j++;
      tokens.push({ type: "word", text: input.slice(i, j) });
      i = j;
    }
  }
  return tokens;
}

const ATTRIBUTE_PATH = /^(urn:[A-Za-z0-9.:_-]+:)?[A-Za-z$][\w$-]*(\.[A-Za-z$][\w$-]*)?$/i;

class Parser {
  private position = 0;
  private terms = 0;
  constructor(private readonly tokens: Token[]) {}

  parseAll(): FilterSyntax {
    if (this.tokens.length === 0) throw invalidFilter("The filter is empty");
    const tree = this.parseOr(0);
    if (this.position < this.tokens.length) throw invalidFilter(`Unexpected "${this.tokens[this.position].text}" in filter`);
    return tree;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private peekWord(word: string): boolean {
    const t = this.peek();
    return t?.type === "word" && t.text.toLowerCase() === word;
  }

  private expect(type: Token["type"]): Token {
    const t = this.tokens[this.position];
    if (!t || t.type !== type) throw invalidFilter(`Expected "${type}" in filter${t ? ` but found "${t.text}"` : " but it ended"}`);
    this.position++;
    return t;
  }

  private parseOr(depth: number): FilterSyntax {
    const operands = [this.parseAnd(depth)];
    while (this.peekWord("or")) {
      this.position++;
      operands.push(this.parseAnd(depth));
    }
    return operands.length === 1 ? operands[0] : { kind: "or", operands: operands.flatMap((o) => (o.kind === "or" ? o.operands : [o])) };
  }

  private parseAnd(depth: number): FilterSyntax {
    const operands = [this.parseFactor(depth)];
    while (this.peekWord("and")) {
      this.position++;
      operands.push(this.parseFactor(depth));
    }
    return operands.length === 1 ? operands[0] : { kind: "and", operands: operands.flatMap((o) => (o.kind === "and" ? o.operands : [o])) };
  }

  private nested(depth: number): number {
    if (depth + 1 > MAX_FILTER_DEPTH) throw invalidFilter(`The filter nests deeper than ${MAX_FILTER_DEPTH} levels (each "not", "(…)" and "[…]" is a level)`);
    return depth + 1;
  }

  private parseFactor(depth: number): FilterSyntax {
    if (this.peekWord("not")) {
      this.position++;
      const inner = this.nested(depth);
      // `not (…)` is one level, as `not x` is.
      if (this.peek()?.type !== "(") return { kind: "not", operand: this.parseFactor(inner) };
      this.position++;
      const operand = this.parseOr(inner);
      this.expect(")");
      return { kind: "not", operand };
    }
    if (this.peek()?.type === "(") {
      this.position++;
      const inner = this.parseOr(this.nested(depth));
      this.expect(")");
      return inner;
    }
    return this.parseAttributeExpression(depth);
  }

  private parseAttributeExpression(depth: number): FilterSyntax {
    const pathToken = this.peek();
    if (!pathToken || pathToken.type !== "word") throw invalidFilter(`Expected an attribute name in filter${pathToken ? ` but found "${pathToken.text}"` : ""}`);
    this.position++;
    const path = pathToken.text;
    if (!ATTRIBUTE_PATH.test(path)) throw invalidFilter(`"${path}" is not a valid attribute path`);
    if (this.peek()?.type === "[") {
      this.position++;
      const inner = this.parseOr(this.nested(depth));
      this.expect("]");
      // `emails[type eq "work"].value eq "x"`: the sub-attribute comparison joins the element filter.
      const next = this.peek();
      if (next?.type === "word" && next.text.startsWith(".")) {
        this.position++;
        const subPath = next.text.slice(1);
        const sub = this.parseComparison(subPath);
        return { kind: "valuePath", path, filter: { kind: "and", operands: [inner, sub] } };
      }
      return { kind: "valuePath", path, filter: inner };
    }
    return this.parseComparison(path);
  }

  private parseComparison(path: string): FilterSyntax {
    if (++this.terms > MAX_FILTER_TERMS) throw invalidFilter(`The filter has more than ${MAX_FILTER_TERMS} terms (attribute expressions such as userName eq "x")`);
    if (!ATTRIBUTE_PATH.test(path)) throw invalidFilter(`"${path}" is not a valid attribute path`);
    const opToken = this.peek();
    if (!opToken || opToken.type !== "word") throw invalidFilter(`Expected an operator after "${path}"`);
    const op = opToken.text.toLowerCase();
    this.position++;
    if (op === "pr") return { kind: "present", path };
    if (!COMPARE_OPERATORS.has(op)) throw invalidFilter(`"${opToken.text}" is not a filter operator`);
    const valueToken = this.peek();
    if (!valueToken || (valueToken.type !== "string" && valueToken.type !== "word")) throw invalidFilter(`Expected a value after "${path} ${op}"`);
    this.position++;
    return { kind: "compare", path, op: op as CompareOperator, value: literalOf(valueToken) };
  }
}

function literalOf(token: Token): FilterLiteral {
  if (token.type === "string") return token.text;
  const lower = token.text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  if (lower === "null") return null;
  if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(token.text)) return Number(token.text);
  // An unquoted word: lenient reading of a string value.
  return token.text;
}

export function parseFilter(expression: string): FilterSyntax {
  if (expression.length > MAX_FILTER_LENGTH) throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters`);
  return new Parser(tokenize(expression)).parseAll();
}
