/**
 * Operator actions on a connection's bearer tokens: issue another, list, revoke. Each change is
 * committed with its audit event. Listings carry the display prefix only, never the token or its hash.
 * A revocation takes effect on the next request: it reaches the database and this process's token
 * cache (token-cache.ts) before the command returns.
 */
import type { PrismaClient } from "../generated/prisma/client";
import { insertAuditEvent } from "../audit/audit";
import { tokenCacheOf } from "./token-cache";
import { ConnectionError, requireConnectionByName } from "./connections";
import { issueToken, type IssuedToken } from "./tokens";

export interface TokenSummary {
  id: string;
  prefix: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface RevokedToken extends TokenSummary {
  /** False when the token was already revoked (revoking is idempotent). */
  changed: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LABEL_MAX = 100;

const SUMMARY = { id: true, prefix: true, label: true, createdAt: true, lastUsedAt: true, revokedAt: true } as const;

export async function createConnectionToken(
  prisma: PrismaClient,
  input: { connectionName: string; label?: string; actor: string; now?: Date },
): Promise<IssuedToken & { connectionId: string }> {
  const now = input.now ?? new Date();
  if (input.label !== undefined && (input.label.length === 0 || input.label.length > LABEL_MAX)) {
    throw new ConnectionError(`--label must be 1-${LABEL_MAX} characters`);
  }
  return prisma.$transaction(async (tx) => {
    const connection = await requireConnectionByName(tx, input.connectionName);
    const token = await issueToken(tx, connection.id, input.label);
    await insertAuditEvent(tx, { at: now, connectionId: connection.id, actor: input.actor, action: "token.created", subjectType: "token", subjectId: token.id, details: { prefix: token.prefix, label: input.label ?? null } });
    return { ...token, connectionId: connection.id };
  });
}

export async function listConnectionTokens(prisma: PrismaClient, connectionName: string): Promise<TokenSummary[]> {
  const connection = await requireConnectionByName(prisma, connectionName);
  return prisma.apiToken.findMany({ where: { connectionId: connection.id }, orderBy: [{ createdAt: "asc" }, { id: "asc" }], select: SUMMARY });
}

export async function revokeConnectionToken(
  prisma: PrismaClient,
  input: { connectionName: string; tokenId: string; actor: string; now?: Date },
): Promise<RevokedToken> {
  if (!UUID.test(input.tokenId)) throw new ConnectionError(`--token-id must be a token id as shown by \`token list\`, got "${input.tokenId}"`);
  const now = input.now ?? new Date();
  const result = await prisma.$transaction(async (tx) => {
    const connection = await requireConnectionByName(tx, input.connectionName);
    // Scoped by connection: an id of another connection's token is "not found", not revocable from here.
    const token = await tx.apiToken.findFirst({ where: { id: input.tokenId, connectionId: connection.id }, select: SUMMARY });
    if (!token) throw new ConnectionError(`connection "${connection.name}" has no token with id ${input.tokenId} (see \`token list --connection ${connection.name}\`)`);
    if (token.revokedAt) return { ...token, changed: false };
    const revoked = await tx.apiToken.update({ where: { id: token.id }, data: { revokedAt: now }, select: SUMMARY });
    await insertAuditEvent(tx, { at: now, connectionId: connection.id, actor: input.actor, action: "token.revoked", subjectType: "token", subjectId: token.id, details: { prefix: token.prefix } });
    return { ...revoked, changed: true };
  });
  // After the commit: a cached verification must not outlive the revocation.
  tokenCacheOf(prisma).forgetToken(result.id);
  return result;
}
