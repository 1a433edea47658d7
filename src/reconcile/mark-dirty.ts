/**
 * The durable "this subject needs reconciling" mark. SCIM writes call it inside their transaction;
 * a burst of changes to one subject collapses into one pending item whose generation keeps rising,
 * so a worker that finishes an older generation knows the subject is still dirty.
 */
import type { Prisma } from "../generated/prisma/client";
import type { SubjectType } from "../provisioning/sql/mark-subjects";

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
