/**
 * Positional parameters for hand-written SQL: `p.add(value)` returns its placeholder ("$3"), so the
 * statement text and the values list cannot drift apart. Values always travel as parameters, never
 * as text spliced into the statement.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** A JSON value for a json/jsonb column or function. */
  json(value: unknown): string {
    return `${this.add(JSON.stringify(value))}::jsonb`;
  }

  uuid(value: string): string {
    return `${this.add(value)}::uuid`;
  }

  timestamp(value: Date): string {
    return `${this.add(value.toISOString())}::timestamptz`;
  }
}
