/**
 * IdP connections (tenants). Creating one issues its first bearer token, returned once.
 * ConnectionError is the one error type of this module: an expected refusal whose message is a
 * sentence fit for an operator (the CLI prints it as is).
 */
import { Prisma, type PrismaClient } from "../generated/prisma/client";
import { insertAuditEvent } from "../audit/audit";
import { readSettings, SettingsError, type ConnectionSettings } from "./settings";
import { issueToken, type IssuedToken } from "./tokens";

export const IDP_KINDS = ["entra", "okta", "generic"] as const;
export type IdpKind = (typeof IDP_KINDS)[number];

export class ConnectionError extends Error {}

const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

export interface CreatedConnection {
  id: string;
  name: string;
  idp: IdpKind;
  createdAt: Date;
  token: IssuedToken;
}

export interface ConnectionSummary {
  id: string;
  name: string;
  idp: string;
  createdAt: Date;
  activeTokens: number;
  /** The effective provisioning settings; null when the stored ones are invalid (settingsError says why). */
  settings: ConnectionSettings | null;
  settingsError: string | null;
}

export async function createConnection(
  prisma: PrismaClient,
  input: { name: string; idp: string; actor: string; now?: Date },
): Promise<CreatedConnection> {
  const now = input.now ?? new Date();
  if (!NAME.test(input.name)) throw new ConnectionError(`connection name must be 1-63 letters, digits, '.', '_' or '-', got "${input.name}"`);
  if (!(IDP_KINDS as readonly string[]).includes(input.idp)) throw new ConnectionError(`--idp must be one of ${IDP_KINDS.join(", ")}, got "${input.idp}"`);
  try {
    return await prisma.$transaction(async (tx) => {
      const existing = await tx.connection.findUnique({ where: { name: input.name } });
      if (existing) throw duplicateName(input.name);
      const connection = await tx.connection.create({ data: { name: input.name, idp: input.idp, createdAt: now } });
      const token = await issueToken(tx, connection.id, "initial");
      await insertAuditEvent(tx, { at: now, connectionId: connection.id, actor: input.actor, action: "connection.created", subjectType: "connection", subjectId: connection.id, details: { name: input.name, idp: input.idp, tokenPrefix: token.prefix } });
      return { id: connection.id, name: connection.name, idp: input.idp as IdpKind, createdAt: connection.createdAt, token };
    });
  } catch (error) {
    // Two concurrent creates on PostgreSQL: both pass the check, the unique index refuses the second.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") throw duplicateName(input.name);
    throw error;
  }
}

function duplicateName(name: string): ConnectionError {
  return new ConnectionError(`a connection named "${name}" already exists`);
}

export async function listConnections(prisma: Pick<PrismaClient, "connection">): Promise<ConnectionSummary[]> {
  const rows = await prisma.connection.findMany({
    orderBy: { name: "asc" },
    select: { id: true, name: true, idp: true, createdAt: true, settings: true, _count: { select: { tokens: { where: { revokedAt: null } } } } },
  });
  return rows.map((row) => ({ id: row.id, name: row.name, idp: row.idp, createdAt: row.createdAt, activeTokens: row._count.tokens, ...effectiveSettings(row.settings) }));
}

/** One connection's stored settings that someone wrote by hand must not hide the others from the list. */
function effectiveSettings(stored: unknown): Pick<ConnectionSummary, "settings" | "settingsError"> {
  try {
    return { settings: readSettings(stored), settingsError: null };
  } catch (error) {
    if (error instanceof SettingsError) return { settings: null, settingsError: error.message };
    throw error;
  }
}

/** The connection with this name; a ConnectionError naming it when there is none. */
export async function requireConnectionByName(prisma: Pick<PrismaClient, "connection">, name: string): Promise<{ id: string; name: string; idp: string }> {
  const connection = await prisma.connection.findUnique({ where: { name }, select: { id: true, name: true, idp: true } });
  if (!connection) throw new ConnectionError(`there is no connection named "${name}" (see \`connection list\`)`);
  return connection;
}
