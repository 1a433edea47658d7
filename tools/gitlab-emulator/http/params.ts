/**
 * Grape-style parameter declarations. GitLab merges query string and body into one `params` hash and
 * validates it before the endpoint runs; failures are 400 {"error": "<a> is missing, <b> is invalid"}
 * (contract §0.1). readParams reproduces the messages of the validators GitLab uses on our endpoints.
 */
import { paramError } from "./errors";

export type ParamInput = Record<string, unknown>;

type ParamType = "string" | "integer" | "boolean" | "integerList" | "stringOrIntegerList";

interface ParamSpec {
  type: ParamType;
  required?: boolean;
  values?: readonly (string | number)[];
}

export interface ParamRules {
  /** Grape `all_or_none_of`. */
  allOrNone?: string[][];
  /** Grape `at_least_one_of`. */
  atLeastOne?: string[][];
  /** Grape `mutually_exclusive`. */
  mutuallyExclusive?: string[][];
}

type Parsed<T extends ParamType> = T extends "string" ? string
  : T extends "integer" ? number
  : T extends "boolean" ? boolean
  : T extends "integerList" ? number[]
  : string;

export type ParamsOf<S extends Record<string, ParamSpec>> = { [K in keyof S]?: Parsed<S[K]["type"]> };

const TRUE = /^(true|t|yes|y|1|on)$/i;
const FALSE = /^(false|f|no|n|0|off)$/i;

const present = (v: unknown) => v !== undefined && v !== null && v !== "";

function coerce(type: ParamType, raw: unknown): unknown {
  switch (type) {
    case "string":
      return typeof raw === "string" || typeof raw === "number" ? String(raw) : undefined;
    case "integer": {
      const s = String(raw).trim();
      return /^-?\d+$/.test(s) ? Number(s) : undefined;
    }
    case "boolean": {
      if (typeof raw === "boolean") return raw;
      const s = String(raw);
      return TRUE.test(s) ? true : FALSE.test(s) ? false : undefined;
    }
    case "integerList": {
      const items = Array.isArray(raw) ? raw.map(String) : String(raw).split(",");
      const numbers = items.map((s) => s.trim()).filter((s) => s !== "");
      return numbers.every((s) => /^\d+$/.test(s)) ? numbers.map(Number) : undefined;
    }
    case "stringOrIntegerList":
      return typeof raw === "string" || typeof raw === "number" ? String(raw) : undefined;
  }
}

/** Declared names, and the indexes of the required ones, per spec object: readParams runs on every request. */
const declared = new WeakMap<object, { names: string[]; required: number[] }>();

function declarationsOf(specs: Record<string, ParamSpec>): { names: string[]; required: number[] } {
  let d = declared.get(specs);
  if (!d) {
    const names = Object.keys(specs);
    d = { names, required: names.flatMap((name, i) => (specs[name].required ? [i] : [])) };
    declared.set(specs, d);
  }
  return d;
}

export function readParams<S extends Record<string, ParamSpec>>(input: ParamInput, specs: S, rules: ParamRules = {}): ParamsOf<S> {
  // Errors are reported in declaration order, as Grape does; the loop only visits what was sent.
  const errors: [order: number, text: string][] = [];
  const out: Record<string, unknown> = {};
  const { names, required } = declarationsOf(specs);
  for (const name in input) {
    const spec = specs[name];
    const raw = input[name];
    if (spec === undefined || !present(raw)) continue;
    const value = coerce(spec.type, raw);
    if (value === undefined) errors.push([names.indexOf(name), `${name} is invalid`]);
    else if (spec.values && !spec.values.includes(value as string | number)) errors.push([names.indexOf(name), `${name} does not have a valid value`]);
    else out[name] = value;
  }
  for (const i of required) {
    if (!present(input[names[i]])) errors.push([i, `${names[i]} is missing`]);
  }
  const texts = errors.length ? errors.sort((a, b) => a[0] - b[0]).map(([, text]) => text) : [];
  for (const group of rules.mutuallyExclusive ?? []) {
    if (group.filter((n) => present(input[n])).length > 1) texts.push(`${group.join(", ")} are mutually exclusive`);
  }
  for (const group of rules.allOrNone ?? []) {
    const given = group.filter((n) => present(input[n])).length;
    if (given > 0 && given < group.length) texts.push(`${group.join(", ")} provide all or none of parameters`);
  }
  for (const group of rules.atLeastOne ?? []) {
    if (!group.some((n) => present(input[n]))) texts.push(`${group.join(", ")} are missing, at least one parameter must be provided`);
  }
  if (texts.length) throw paramError(texts.join(", "));
  return out as ParamsOf<S>;
}
