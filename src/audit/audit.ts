/**
 * Append-only audit events, written by one piece of SQL: a desired-state write embeds it as a CTE of
 * its one statement (the change and its event commit together or not at all), and the operator
 * actions on connections and tokens run the same INSERT inside their transaction. Every caller passes
 * the clock in (`at`), so an event's time is the time of the change it records, whichever path wrote it.
 */
import type { SqlParams } from "../db/sql-params";
import { SqlParams as Params } from "../db/sql-params";
import type { Prisma } from "../generated/prisma/client";

export interface AuditEntry {
  at: Date;
  connectionId?: string | null;
  /** "scim:<token prefix>", "cli", "admin:<username>", "reconciler". */
  actor: string;
  /** Dotted verb, e.g. "scim.user.created". */
  action: string;
  subjectType?: string;
  requestId?: string;
  details?: Prisma.InputJsonValue;
  /** Details computed by SQL from the subject's row `s` (and the statement's other CTEs) instead of `details`. */
  detailsSql?: string;
  /** The action computed by SQL from `s` instead of `action` (several kinds of event in one INSERT, in order). */
  actionSql?: string;
  /** The connection and subject type computed from `s` instead, when the rows differ in them (a retry of every parked item). */
  connectionIdSql?: string;
  subjectTypeSql?: string;
}

/**
 * One event per row of `source` (a CTE or subquery of the written rows, whose "id" is the subject),
 * as the INSERT … SELECT of a data-modifying CTE.
 */
export function auditInsertSql(p: SqlParams, source: string, entry: AuditEntry): string {
  return `INSERT INTO "AuditEvent" ("at", "connectionId", "actor", "action", "subjectType", "subjectId", "requestId", "details")
    SELECT ${p.timestamp(entry.at)}, ${entry.connectionIdSql ?? `${p.add(entry.connectionId ?? null)}::uuid`}, ${p.add(entry.actor)}, ${entry.actionSql ?? p.add(entry.action)}, ${entry.subjectTypeSql ?? p.add(entry.subjectType ?? null)}, s."id"::text, ${p.add(entry.requestId ?? null)}, ${entry.detailsSql ?? p.json(entry.details ?? {})}
    FROM ${source} s`;
}

type RawExecutor = Pick<Prisma.TransactionClient, "$executeRawUnsafe">;

/** The same INSERT as a statement of its own, for writes that are a Prisma transaction (connections, tokens). */
export async function insertAuditEvent(tx: RawExecutor, entry: AuditEntry & { subjectId: string }): Promise<void> {
  const p = new Params();
  const statement = auditInsertSql(p, `(SELECT ${p.add(entry.subjectId)}::text AS "id")`, entry);
  await tx.$executeRawUnsafe(statement, ...p.values);
}
