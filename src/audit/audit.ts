/**
 * Append-only audit events. Written in the same transaction as the change they describe, so the
 * record and the change are committed together or not at all.
 */
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
