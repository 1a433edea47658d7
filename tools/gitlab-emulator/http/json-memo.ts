/**
 * JSON text of entities, reused while an entity is unchanged. JSON.stringify is the largest single cost
 * of a look-up such as GET /users?username=…; comparing the entity just built with the one serialised
 * last time for the same record, value by value, costs a fraction of it. The reuse is exact without any
 * revision counter to keep in step with the many places that edit records: the comparison is on the
 * entity itself, and equal plain data serialises to equal text.
 */

interface Entry {
  snapshot: unknown;
  /** Undefined where JSON.stringify gives undefined (a function, undefined, a toJSON answering so). */
  text: string | undefined;
  /** `[text]`, made on first use: a look-up by username answers a list of one. */
  alone?: string;
}

/** Records remembered per memo: enough for any hot set, small next to a store of 100,000 users. */
const DEFAULT_LIMIT = 1_000;

/**
 * One memo per entity kind, keyed by the record the entity is rendered from. Values are plain data, as
 * entity literals are (no getters). Bounded: the oldest remembered record goes first.
 */
export class JsonMemo<K extends object> {
  private readonly last = new Map<K, Entry>();

  constructor(private readonly limit = DEFAULT_LIMIT) {}

  /** JSON.stringify(value), reused when `value` equals what was last serialised for `key`. */
  stringify(key: K, value: unknown): string | undefined {
    return this.entry(key, value).text;
  }

  /**
   * JSON.stringify(values) for values rendered from `keys`, in the same order: an array's text is its
   * items' texts ("null" for what has none) joined by "," between brackets.
   */
  stringifyList(keys: readonly K[], values: readonly unknown[]): string {
    if (keys.length === 1) {
      const entry = this.entry(keys[0], values[0]);
      return (entry.alone ??= `[${entry.text ?? "null"}]`);
    }
    return `[${keys.map((key, i) => this.entry(key, values[i]).text ?? "null").join(",")}]`;
  }

  private entry(key: K, value: unknown): Entry {
    const entry = this.last.get(key);
    if (entry && plainPrototypes() && matches(entry.snapshot, value)) return entry;
    const text = JSON.stringify(value) as string | undefined; // first: what it throws is what the caller sees
    const fresh: Entry = { snapshot: snapshot(value), text };
    if (entry) this.last.delete(key);
    else if (this.last.size >= this.limit) this.last.delete(this.last.keys().next().value as K);
    this.last.set(key, fresh);
    return fresh;
  }
}

/*
 * A snapshot is a private copy of a value as JSON sees it: primitives as they are, plain objects as
 * their own keys in order with their values' snapshots, arrays as their items' snapshots. Anything else
 * (functions, class instances such as Date, anything with a toJSON) is OPAQUE and never matches, which
 * only costs a fresh JSON.stringify. Being private, a snapshot cannot be edited after it is taken.
 */

const OPAQUE = Symbol("opaque");

/**
 * Whether Object.prototype adds nothing that for-in or JSON would see (no one patched it): then a plain
 * object's for-in keys are its own keys. (Arrays check for an inherited toJSON themselves.)
 */
function plainPrototypes(): boolean {
  for (const _ in Object.prototype) return false;
  return !("toJSON" in Object.prototype);
}

class ObjectSnapshot {
  constructor(readonly keys: string[], readonly values: unknown[]) {}
}

class ArraySnapshot {
  constructor(readonly items: unknown[]) {}
}

/** A toJSON of its own shows as a key (and a function is OPAQUE); an inherited one fails plainPrototypes(). */
const isPlainObject = (value: object) => Object.getPrototypeOf(value) === Object.prototype;
const isPlainArray = (value: unknown): value is unknown[] => Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype && !("toJSON" in value);

function snapshot(value: unknown): unknown {
  if (typeof value === "function") return OPAQUE;
  if (typeof value !== "object" || value === null) return value;
  if (isPlainArray(value)) return new ArraySnapshot(value.map(snapshot));
  if (Array.isArray(value) || !isPlainObject(value)) return OPAQUE;
  const keys = Object.keys(value);
  return new ObjectSnapshot(keys, keys.map((key) => snapshot((value as Record<string, unknown>)[key])));
}

/** True only when `value` serialises exactly as the value the snapshot was taken of. */
function matches(snap: unknown, value: unknown): boolean {
  // Primitives first: they are most of an entity.
  if (typeof snap !== "object" || snap === null) return snap !== OPAQUE && snap === value;
  if (typeof value !== "object" || value === null) return false;
  if (snap instanceof ObjectSnapshot) {
    if (!isPlainObject(value)) return false;
    // for-in walks the own keys in Object.keys order without allocating: with plainPrototypes() a plain
    // object inherits no enumerable key.
    const { keys, values } = snap;
    let i = 0;
    for (const key in value) {
      if (key !== keys[i] || !matches(values[i], (value as Record<string, unknown>)[key])) return false;
      i++;
    }
    return i === keys.length;
  }
  if (snap instanceof ArraySnapshot) {
    const items = snap.items;
    if (!isPlainArray(value) || value.length !== items.length) return false;
    for (let i = 0; i < items.length; i++) if (!matches(items[i], value[i])) return false;
    return true;
  }
  return false;
}
