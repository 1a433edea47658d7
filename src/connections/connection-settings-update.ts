/**
 * An operator's change to a connection's provisioning settings (settings.ts): validated against the
 * effective settings and stored with the audit event "connection.settings_changed" (before and after)
 * in one transaction. Only the settings an operator set are stored; the others keep following their
 * defaults. The row is locked while it is read and written, so two concurrent changes of different
 * settings both survive. A change that changes nothing writes nothing. When dry run ends for the
 * connection, its subjects held by dry run become due in the same transaction
 * (reconcile/sql/resume-held.ts), so the reconcilers carry out what they only planned.
 */
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { insertAuditEvent } from "../audit/audit";
import { SqlParams } from "../db/sql-params";
import { resumeHeldSql } from "../reconcile/sql/resume-held";
import { ConnectionError } from "./connections";
import { assertCoherent, changeSettings, readSettings, type ConnectionSettings } from "./settings";

export async function updateConnectionSettings(prisma: PrismaClient, name: string, change: Partial<ConnectionSettings>, actor: string): Promise<ConnectionSettings> {
  const now = new Date();
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRawUnsafe<Array<{ id: string; settings: unknown }>>(`SELECT "id", "settings" FROM "Connection" WHERE "name" = $1 FOR UPDATE`, name);
    if (!row) throw new ConnectionError(`there is no connection named "${name}" (see \`connection list\`)`);
    const before = readSettings(row.settings);
    const after = changeSettings(storedObject(row.settings), change);
    assertCoherent(after);
    if (JSON.stringify(before) === JSON.stringify(after)) return after;
    // Only what was set is stored: a setting never set keeps following its default.
    await tx.connection.update({ where: { id: row.id }, data: { settings: { ...storedObject(row.settings), ...definedOnly(change) } as Prisma.InputJsonObject } });
    await insertAuditEvent(tx, {
      at: now,
      connectionId: row.id,
      actor,
      action: "connection.settings_changed",
      subjectType: "connection",
      subjectId: row.id,
      details: { name, before: { ...before }, after: { ...after } },
    });
    if (before.dryRun && !after.dryRun) {
      const p = new SqlParams();
      await tx.$executeRawUnsafe(resumeHeldSql(p, { connectionIds: [row.id] }, now), ...p.values);
    }
    return after;
  });
}

function storedObject(stored: unknown): Record<string, unknown> {
  return stored && typeof stored === "object" && !Array.isArray(stored) ? (stored as Record<string, unknown>) : {};
}

function definedOnly(change: Partial<ConnectionSettings>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(change).filter(([, value]) => value !== undefined));
}
