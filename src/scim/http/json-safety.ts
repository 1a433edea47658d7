/**
 * What a parsed JSON body may not contain before any SCIM code sees it: nesting deeper than
 * MAX_JSON_DEPTH (scimmy and our own walkers recurse; 3,000 levels overflowed the stack), and strings
 * or keys with NUL or a lone UTF-16 surrogate (PostgreSQL refuses both in text, JSON.stringify writes
 * a lone surrogate back out as an escape no IdP expects), and numbers JSON.parse turned into
 * Infinity (1e400: out of range for every attribute, and written back out as null). Checked by one iterative walk, so the check
 * itself cannot overflow.
 */
import { invalidSyntax, invalidValue } from "../errors";

/** A SCIM resource or PatchOp nests about 6 levels; 32 leaves room for any honest payload. */
export const MAX_JSON_DEPTH = 32;

const UNSAFE_STRING = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True for a string PostgreSQL and every JSON reader can hold: no NUL, no lone surrogate. */
export function isSafeString(text: string): boolean {
  return !UNSAFE_STRING.test(text);
}

export function requireSafeString(text: string, what: string): string {
  if (!isSafeString(text)) throw invalidValue(`${what} contains a NUL character or a lone UTF-16 surrogate`);
  return text;
}

export function requireSafeJson(value: unknown): void {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length) {
    const { value: node, depth } = stack.pop()!;
    if (typeof node === "string") {
      requireSafeString(node, "A string in the request body");
      continue;
    }
    if (typeof node === "number" && !Number.isFinite(node)) throw invalidValue("A number in the request body is out of range");
    if (typeof node !== "object" || node === null) continue;
    if (depth >= MAX_JSON_DEPTH) throw invalidSyntax(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(node)) {
      for (const item of node) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(node)) {
      requireSafeString(key, "An attribute name in the request body");
      stack.push({ value: item, depth: depth + 1 });
    }
  }
}
