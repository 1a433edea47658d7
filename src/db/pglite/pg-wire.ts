/**
 * The PostgreSQL wire protocol (v3) for the PGlite prepared-statement runner: the request that runs
 * a prepared statement, and the rows out of the reply (RowDescription, DataRow, ... ReadyForQuery).
 *
 * PGlite's serializer builds the request in four buffers and a copy; here it is one. PGlite's reading
 * copies the reply, then every field, and builds an object per message before its result object: on
 * a one-row lookup that cost about as much as the query. Here fields are decoded in place, text values
 * through the client's type parsers (the same parsers PGlite applies), into one plain object per row.
 *
 * An ErrorResponse is handed to PGlite's own protocol parser, so a failed statement throws exactly
 * the DatabaseError PGlite's `query` throws (message, SQLSTATE `code`, detail, constraint).
 */
import { protocol } from "@electric-sql/pglite";

type Parsers = Record<number, (value: string, typeId: number) => unknown>;

const ROW_DESCRIPTION = 0x54; // 'T'
const DATA_ROW = 0x44; // 'D'
const ERROR_RESPONSE = 0x45; // 'E'

const utf8 = new TextDecoder();
const encoder = new TextEncoder();

/** Describe the unnamed portal ('D', "P", ""), Execute it for all rows ('E', "", 0), Sync ('S'). */
const DESCRIBE_EXECUTE_SYNC = new Uint8Array([0x44, 0, 0, 0, 6, 0x50, 0, 0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0x53, 0, 0, 0, 4]);

/** Bind (text parameters, text results) of `statement` to the unnamed portal, then Describe/Execute/Sync. */
export function runStatementMessage(statement: string, values: readonly (string | Uint8Array | null)[]): Uint8Array {
  const name = encoder.encode(statement);
  const encoded = values.map((value) => (typeof value === "string" ? encoder.encode(value) : value));
  const bindLength = 4 + 1 + name.length + 1 + 2 + 2 + encoded.reduce((n, value) => n + 4 + (value?.length ?? 0), 0) + 2;
  const message = new Uint8Array(1 + bindLength + DESCRIBE_EXECUTE_SYNC.length);
  const view = new DataView(message.buffer);
  message[0] = 0x42; // 'B'
  view.setInt32(1, bindLength);
  let at = 6; // after the empty portal name's terminator at 5
  message.set(name, at);
  at += name.length + 1;
  view.setInt16(at, 0); // no parameter format codes: all text
  view.setInt16(at + 2, encoded.length);
  at += 4;
  for (const value of encoded) {
    view.setInt32(at, value === null ? -1 : value.length);
    at += 4;
    if (value !== null) {
      message.set(value, at);
      at += value.length;
    }
  }
  view.setInt16(at, 0); // no result format codes: all text
  message.set(DESCRIBE_EXECUTE_SYNC, at + 2);
  return message;
}

export function rowsOfReply<Row>(reply: Uint8Array, parsers: Parsers): Row[] {
  const view = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  const rows: Row[] = [];
  let names: string[] = [];
  let types: number[] = [];
  for (let at = 0; at + 5 <= reply.length; at += 1 + view.getInt32(at + 1)) {
    const kind = reply[at];
    if (kind === ROW_DESCRIPTION) {
      const count = view.getInt16(at + 5);
      names = new Array<string>(count);
      types = new Array<number>(count);
      let p = at + 7;
      for (let i = 0; i < count; i++) {
        const end = reply.indexOf(0, p);
        names[i] = utf8.decode(reply.subarray(p, end));
        // After the name: table OID (4), column number (2), type OID (4), size (2), modifier (4), format (2).
        types[i] = view.getInt32(end + 7);
        p = end + 19;
      }
    } else if (kind === DATA_ROW) {
      const count = view.getInt16(at + 5);
      const row: Record<string, unknown> = {};
      let p = at + 7;
      for (let i = 0; i < count; i++) {
        const length = view.getInt32(p);
        p += 4;
        if (length < 0) {
          row[names[i]] = null;
          continue;
        }
        const text = utf8.decode(reply.subarray(p, p + length));
        p += length;
        const parser = parsers[types[i]];
        row[names[i]] = parser ? parser(text, types[i]) : text;
      }
      rows.push(row as Row);
    } else if (kind === ERROR_RESPONSE) {
      throw databaseErrorOf(reply);
    }
  }
  return rows;
}

function databaseErrorOf(reply: Uint8Array): Error {
  let error: Error | undefined;
  new protocol.Parser().parse(reply, (message) => {
    if (!error && message instanceof protocol.messages.DatabaseError) error = message;
  });
  return error ?? new Error("PostgreSQL answered with an error that could not be read");
}
