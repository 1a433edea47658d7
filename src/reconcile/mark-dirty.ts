/**
 * The reconcile mark for the Prisma-transaction writes that are not single statements yet (the two
 * deletes). It runs the one mark statement, markSubjectsSql, inside the caller's transaction, so its
 * behaviour cannot diverge from the SCIM writes' marks; it goes once those deletes are statements.
 */
import { SqlParams } from "../db/sql-params";
import type { Prisma } from "../generated/prisma/client";
import { markSubjectsSql, type SubjectType } from "../provisioning/sql/mark-subjects";

type ReconcileWriter = Pick<Prisma.TransactionClient, "$executeRawUnsafe">;

export async function markDirty(
  tx: ReconcileWriter,
  subject: { connectionId: string; subjectType: SubjectType; subjectId: string },
  now: Date = new Date(),
): Promise<void> {
  const p = new SqlParams();
  const statement = `WITH subject AS (SELECT ${p.uuid(subject.subjectId)} AS "id") ${markSubjectsSql(p, "subject", subject, now)}`;
  await tx.$executeRawUnsafe(statement, ...p.values);
}
