/**
 * The one writer of the durable "this subject needs reconciling" mark, as a CTE of a desired-state
 * write: every row of `source` (a CTE of the written rows, whose "id" is the subject) is marked in the
 * same statement as the change, so the change and its mark commit together. It lives with the
 * desired-state store (imports run reconcile → provisioning); the queue's other transitions (claim,
 * complete, fail, park) live in src/reconcile.
 */
import type { SqlParams } from "../../db/sql-params";

export type SubjectType = "user" | "group";

export function markSubjectsSql(p: SqlParams, source: string, subject: { connectionId: string; subjectType: SubjectType }, now: Date): string {
  const at = p.timestamp(now);
  return `INSERT INTO "ReconcileItem" ("connectionId", "subjectType", "subjectId", "state", "dirtyAt", "nextAttemptAt", "updatedAt")
    SELECT ${p.uuid(subject.connectionId)}, ${p.add(subject.subjectType)}, s."id", 'pending', ${at}, ${at}, ${at} FROM ${source} s
    ON CONFLICT ("subjectType", "subjectId") DO UPDATE SET "state" = 'pending', "generation" = "ReconcileItem"."generation" + 1, "attempts" = 0,
      "dirtyAt" = EXCLUDED."dirtyAt", "nextAttemptAt" = EXCLUDED."nextAttemptAt", "lastError" = NULL, "updatedAt" = EXCLUDED."updatedAt"`;
}
