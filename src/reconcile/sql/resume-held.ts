/**
 * resume held: pending with no due time (held by dry run, hold.ts) → pending, due now. Run when dry run
 * ends for a connection (`connection update`), and at start-up for every connection not in dry run
 * (DRY_RUN may have been turned off while the bridge was down). Other items are left alone, and so are
 * items waiting on a mass-change hold (holdId): only an admin's decision releases those.
 */
import type { SqlParams } from "../../db/sql-params";
import { ITEM_COLUMNS } from "./item-columns";

export function resumeHeldSql(p: SqlParams, filter: { connectionIds?: readonly string[] }, now: Date): string {
  const at = p.timestamp(now);
  const which = filter.connectionIds === undefined ? "" : `AND "connectionId" = ANY(${p.add(filter.connectionIds)}::uuid[])`;
  return `UPDATE "ReconcileItem" SET "nextAttemptAt" = ${at}, "updatedAt" = ${at}
    WHERE "state" = 'pending' AND "nextAttemptAt" IS NULL AND "holdId" IS NULL ${which}
    RETURNING ${ITEM_COLUMNS}`;
}
