/**
 * Changes a connection's provisioning settings (connections/settings.ts), in one transaction with its
 * audit event "connection.settings_updated" (before and after). When dry run ends for the connection,
 * its subjects held by dry run become due in the same transaction (reconcile/sql/resume-held.ts), so
 * the reconcilers carry out what they only planned. The CLI `connection update` is built on this.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { insertAuditEvent } from "../audit/audit";
import { SqlParams } from "../db/sql-params";
import { resumeHeldSql } from "../reconcile/sql/resume-held";
import { ConnectionError } from "./connections";
import { changeSettings, readSettings, SettingsError, type ConnectionSettings } from "./settings";

export interface SettingsUpdate {
  before: ConnectionSettings;
  after: ConnectionSettings;
  /** Subjects made due again because dry run ended. */
  resumed: number;
}

export async function updateConnectionSettings(
  prisma: PrismaClient,
  name: string,
  change: Partial<ConnectionSettings>,
  actor: string,
  now: Date = new Date(),
): Promise<SettingsUpdate> {
  return prisma.$transaction(async (tx) => {
    const connection = await tx.connection.findUnique({ where: { name }, select: { id: true, settings: true } });
    if (!connection) throw new ConnectionError(`there is no connection named "${name}" (see \`connection list\`)`);
    const before = readSettings(connection.settings);
    let after: ConnectionSettings;
    try {
      after = changeSettings(before, change);
    } catch (error) {
      if (error instanceof SettingsError) throw new ConnectionError(error.message);
      throw error;
    }
    await tx.connection.update({ where: { id: connection.id }, data: { settings: { ...after }, updatedAt: now } });
    await insertAuditEvent(tx, { at: now, connectionId: connection.id, actor, action: "connection.settings_updated", subjectType: "connection", subjectId: connection.id, details: { before: { ...before }, after: { ...after } } });
    let resumed = 0;
    if (before.dryRun && !after.dryRun) {
      const p = new SqlParams();
      const statement = resumeHeldSql(p, { connectionIds: [connection.id] }, now);
      resumed = await tx.$executeRawUnsafe(statement, ...p.values);
    }
    return { before, after, resumed };
  });
}
