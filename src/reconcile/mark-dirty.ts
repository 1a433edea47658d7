/**
 * The durable "this subject needs reconciling" mark. SCIM writes call it inside their transaction;
 * a burst of changes to one subject collapses into one pending item whose generation keeps rising,
 * so a worker that finishes an older generation knows the subject is still dirty.
 */
import type { SqlParams } from "../db/sql-params";
import type { Prisma } from "../generated/prisma/client";

export type SubjectType = "user" | "group";

type ReconcileWriter = Pick<Prisma.TransactionClient, "reconcileItem">;

export async function markDirty(
  tx: ReconcileWriter,
  subject: { connectionId: string; subjectType: SubjectType; subjectId: string },
  now: Date = new Date(),
): Promise<void> {
  await tx.reconcileItem.upsert({
    where: { subjectType_subjectId: { subjectType: subject.subjectType, subjectId: subject.subjectId } },
    create: { ...subject, state: "pending", dirtyAt: now, nextAttemptAt: now, updatedAt: now },
    update: { state: "pending", generation: { increment: 1 }, attempts: 0, dirtyAt: now, nextAttemptAt: now, lastError: null, updatedAt: now },
  });
}

/**
 * The same mark as one INSERT … ON CONFLICT of a single-statement write: every row of `source` (a CTE
 * of the written rows, whose "id" is the subject) is marked, with the upsert above's exact effect.
 */
export function markDirtySql(p: SqlParams, source: string, subject: { connectionId: string; subjectType: SubjectType }, now: Date): string {
  const at = p.timestamp(now);
  return `INSERT INTO "ReconcileItem" ("connectionId", "subjectType", "subjectId", "state", "dirtyAt", "nextAttemptAt", "updatedAt")
    SELECT ${p.uuid(subject.connectionId)}, ${p.add(subject.subjectType)}, s."id", 'pending', ${at}, ${at}, ${at} FROM ${source} s
    ON CONFLICT ("subjectType", "subjectId") DO UPDATE SET "state" = 'pending', "generation" = "ReconcileItem"."generation" + 1, "attempts" = 0,
      "dirtyAt" = EXCLUDED."dirtyAt", "nextAttemptAt" = EXCLUDED."nextAttemptAt", "lastError" = NULL, "updatedAt" = EXCLUDED."updatedAt"`;
}
