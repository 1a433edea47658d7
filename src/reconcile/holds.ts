/**
 * The operator's side of the mass-change guard (mass-change-guard.ts): list the holds, and decide one.
 * A hold is named by its id or a unique prefix of it (as `status` and `holds` print it). Each decision
 * is one statement (sql/approve-hold.ts, sql/discard-hold.ts) that moves the hold and its items and
 * writes the audit event; only a held hold can be decided, anything else is a HoldError saying why.
 *
 *   held ──approve──▶ approved   (its items due now; their passes go ahead)
 *     └───discard──▶ discarded  (its items parked with the reason)
 */
import { SqlParams } from "../db/sql-params";
import type { SqlRunner } from "../db/sql-runner";
import { approveHoldSql } from "./sql/approve-hold";
import { discardHoldSql } from "./sql/discard-hold";
import { HOLD_COLUMNS } from "./sql/hold-columns";

export class HoldError extends Error {}

export const HOLD_STATES = ["held", "approved", "discarded"] as const;
export type HoldState = (typeof HOLD_STATES)[number];

export interface Hold {
  id: string;
  connectionId: string;
  kind: string;
  state: HoldState;
  summary: string;
  /** Per held subject, its latest numbers ({count, threshold, …}), as the guard recorded them. */
  counts: Record<string, Record<string, number>>;
  createdAt: Date;
  decidedAt: Date | null;
  decidedBy: string | null;
}

/** A hold as listed: its connection's name, and how many items wait on it now. */
export interface ListedHold extends Hold {
  connectionName: string;
  waiting: number;
}

export interface HoldDecision {
  hold: Hold;
  /** The items the decision moved (made due, or parked). */
  items: number;
}

const UUID_PREFIX = /^[0-9a-f-]{1,36}$/i;
/** A prefix shorter than this names too many holds to be worth a look-up. */
const MIN_PREFIX = 4;

const LISTED = `SELECT ${HOLD_COLUMNS}, c."name" AS "connectionName",
    (SELECT count(*) FROM "ReconcileItem" i WHERE i."holdId" = h."id" AND i."state" IN ('pending', 'claimed'))::int AS "waiting"
  FROM "ReconcileHold" h JOIN "Connection" c ON c."id" = h."connectionId"`;

/** The holds of one connection or all, held ones only unless `all`, newest first. */
export async function listHolds(runner: SqlRunner, filter: { connectionId?: string; all?: boolean; limit?: number }): Promise<ListedHold[]> {
  const p = new SqlParams();
  const where: string[] = [];
  if (filter.connectionId !== undefined) where.push(`h."connectionId" = ${p.uuid(filter.connectionId)}`);
  if (!filter.all) where.push(`h."state" = 'held'`);
  const limit = filter.limit === undefined ? "" : ` LIMIT ${p.add(filter.limit)}`;
  return runner.query<ListedHold>(`${LISTED}${where.length ? ` WHERE ${where.join(" AND ")}` : ""} ORDER BY h."createdAt" DESC, h."id"${limit}`, p.values);
}

/** The one hold `idOrPrefix` names; a HoldError when it names none or several. */
export async function requireHold(runner: SqlRunner, idOrPrefix: string): Promise<ListedHold> {
  const text = idOrPrefix.toLowerCase();
  if (!UUID_PREFIX.test(text)) throw new HoldError(`"${idOrPrefix}" is not a hold id (see \`holds\`)`);
  if (text.length < MIN_PREFIX) throw new HoldError(`give at least ${MIN_PREFIX} characters of the hold id, got "${idOrPrefix}"`);
  const p = new SqlParams();
  const found = await runner.query<ListedHold>(`${LISTED} WHERE h."id"::text LIKE ${p.add(`${text}%`)} ORDER BY h."createdAt" DESC LIMIT 3`, p.values);
  if (found.length === 0) throw new HoldError(`there is no hold ${idOrPrefix} (see \`holds --all\`)`);
  if (found.length > 1) throw new HoldError(`"${idOrPrefix}" names several holds (${found.map((h) => h.id).join(", ")}${found.length > 2 ? ", …" : ""}); give more of the id`);
  return found[0];
}

export async function approveHold(runner: SqlRunner, idOrPrefix: string, decision: { actor: string; requestId?: string }, now: Date): Promise<HoldDecision> {
  return decide(runner, idOrPrefix, "approve", (p, id) => approveHoldSql(p, id, decision, now));
}

export async function discardHold(runner: SqlRunner, idOrPrefix: string, decision: { actor: string; requestId?: string }, now: Date): Promise<HoldDecision> {
  return decide(runner, idOrPrefix, "discard", (p, id) => discardHoldSql(p, id, decision, now));
}

async function decide(runner: SqlRunner, idOrPrefix: string, verb: string, build: (p: SqlParams, id: string) => string): Promise<HoldDecision> {
  const hold = await requireHold(runner, idOrPrefix);
  const p = new SqlParams();
  const [row] = await runner.query<Hold & { items: number }>(build(p, hold.id), p.values);
  if (!row) {
    // Decided before us (or between the look-up and now): say by whom, so nobody decides twice.
    const [now] = await runner.query<ListedHold>(`${LISTED} WHERE h."id" = $1::uuid`, [hold.id]);
    throw new HoldError(notHeld(now ?? hold, verb));
  }
  const { items, ...decided } = row;
  return { hold: decided, items };
}

function notHeld(hold: Hold, verb: string): string {
  const when = hold.decidedAt ? ` at ${new Date(hold.decidedAt).toISOString()}` : "";
  return `cannot ${verb} hold ${hold.id}: it is ${hold.state}${hold.decidedBy ? ` (by ${hold.decidedBy}${when})` : ""}, not held`;
}
