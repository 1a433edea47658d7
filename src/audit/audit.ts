/**
 * Append-only audit events. Written in the same transaction as the change they describe, so the
 * record and the change are committed together or not at all.
 */
import type { SqlParams } from "../db/sql-params";
import type { Prisma } from "../generated/prisma/client";

export interface AuditEntry {
  connectionId?: string | null;
  /** "scim:<token prefix>", "cli", "admin:<username>", "reconciler". */
  actor: string;
  /** Dotted verb, e.g. "scim.user.created". */
  action: string;
  subjectType?: string;
  subjectId?: string;
  requestId?: string;
  details?: Prisma.InputJsonValue;
}

type AuditWriter = Pick<Prisma.TransactionClient, "auditEvent">;

export async function recordAudit(tx: AuditWriter, entry: AuditEntry): Promise<void> {
  await tx.auditEvent.create({
    data: {
      connectionId: entry.connectionId ?? null,
      actor: entry.actor,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      requestId: entry.requestId,
      details: entry.details ?? {},
    },
  });
}

/**
 * The same event as one INSERT … SELECT of a single-statement write: one event per row of `source`
 * (a CTE of the written rows), whose "id" is the subject. Driver-direct writes use it so that the
 * change and its audit event stay one atomic statement. `detailsSql` computes the details from the
 * written row (`s`) instead of passing them in.
 */
export function auditInsertSql(p: SqlParams, source: string, entry: Omit<AuditEntry, "subjectId"> & { at: Date; detailsSql?: string }): string {
  return `INSERT INTO "AuditEvent" ("at", "connectionId", "actor", "action", "subjectType", "subjectId", "requestId", "details")
    SELECT ${p.timestamp(entry.at)}, ${p.add(entry.connectionId ?? null)}::uuid, ${p.add(entry.actor)}, ${p.add(entry.action)}, ${p.add(entry.subjectType ?? null)}, s."id"::text, ${p.add(entry.requestId ?? null)}, ${entry.detailsSql ?? p.json(entry.details ?? {})}
    FROM ${source} s`;
}
