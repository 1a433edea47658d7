/**
 * Every call the emulated GitLab received, for assertions (GET /-/emulator/requests). Bounded so that a
 * benchmark of millions of requests does not grow memory without limit: the oldest entries go first.
 * Control calls under /-/emulator are not recorded.
 */

export type { StoredRecord };

export interface RequestRecord {
  seq: number;
  at: string;
  method: string;
  path: string;
  query: Record<string, string>;
  /** Matched route pattern (OpenAPI spelling), or null for unknown routes. */
  route: string | null;
  body: unknown;
  userId: number | null;
  status: number | null;
  /** Set when a fault, not the API, decided the answer. */
  fault?: "error" | "timeout" | "reset" | "scripted" | "outage" | "lost";
}

type StoredRecord = Omit<RequestRecord, "at" | "query"> & { atMs: number; rawQuery: string };

export class RequestLog {
  private entries: StoredRecord[] = [];
  private seq = 0;

  constructor(private readonly limit: number) {}

  /**
   * Recording is on the hot path: it keeps the time and query raw and formats them only when read, and
   * builds the record as one literal (its key order is the order list() reports).
   */
  add(atMs: number, method: string, path: string, rawQuery: string, route: string | null): StoredRecord {
    const record: StoredRecord = { seq: ++this.seq, atMs, method, path, rawQuery, route, body: undefined, userId: null, status: null };
    this.entries.push(record);
    // Trim in batches so that recording stays O(1) per request under load.
    if (this.entries.length >= this.limit * 2) this.entries = this.entries.slice(-this.limit);
    return record;
  }

  list(filter: { since?: number; method?: string; pathPrefix?: string } = {}): RequestRecord[] {
    return this.entries
      .slice(-this.limit)
      .filter(
        (e) =>
          (filter.since === undefined || e.seq > filter.since) &&
          (filter.method === undefined || e.method === filter.method.toUpperCase()) &&
          (filter.pathPrefix === undefined || e.path.startsWith(filter.pathPrefix)),
      )
      .map(({ atMs, rawQuery, ...rest }) => ({ ...rest, query: Object.fromEntries(new URLSearchParams(rawQuery)), at: new Date(atMs).toISOString() }));
  }

  clear(): void {
    this.entries = [];
  }
}

/**
 * API calls received and not yet answered (or cut), and the most at once since the last reset: lets a
 * test prove a client's concurrency bound at the server, where it matters.
 */
export class InFlight {
  current = 0;
  peak = 0;

  enter(): void {
    if (++this.current > this.peak) this.peak = this.current;
  }

  leave(): void {
    this.current--;
  }

  resetPeak(): void {
    this.peak = this.current;
  }
}
