/**
 * IdP bearer tokens. A token is 32 random bytes (base64url) behind a recognisable prefix; only its
 * SHA-256 is stored. Tokens have 256 bits of entropy, so a fast unsalted hash is safe and lets us find
 * the row by an indexed lookup; the final comparison is constant-time all the same.
 * States: active → revoked (revokedAt set). lastUsedAt is refreshed at most once a minute per token,
 * so a burst of SCIM calls does not turn into a burst of writes; on the embedded database verified
 * tokens are also kept in memory (token-cache.ts).
 */
import crypto from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client";
import type { VerifiedTokenCache } from "./token-cache";

export const TOKEN_PREFIX = "gsb_";
const LAST_USED_RESOLUTION_MS = 60_000;

export interface IssuedToken {
  id: string;
  token: string;
  prefix: string;
}

export function hashToken(token: string): string {
  return crypto.hash("sha256", token, "hex");
}

export function generateToken(): string {
  return TOKEN_PREFIX + crypto.randomBytes(32).toString("base64url");
}

/** The part of a token that may be shown and logged: the fixed prefix plus 6 random characters. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

type TokenStore = Pick<PrismaClient, "apiToken">;

export async function issueToken(db: TokenStore, connectionId: string, label?: string): Promise<IssuedToken> {
  const token = generateToken();
  const row = await db.apiToken.create({
    data: { connectionId, tokenHash: hashToken(token), prefix: displayPrefix(token), label: label ?? null },
  });
  return { id: row.id, token, prefix: row.prefix };
}

export interface VerifiedToken {
  tokenId: string;
  prefix: string;
  connection: { id: string; name: string; idp: string };
}

interface TokenRow {
  id: string;
  tokenHash: string;
  prefix: string;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  connectionId: string;
  connectionName: string;
  idp: string;
}

/** One round trip: the token and its connection. */
async function readToken(prisma: PrismaClient, hash: string): Promise<TokenRow | undefined> {
  const rows = await prisma.$queryRaw<TokenRow[]>`
    SELECT t."id", t."tokenHash", t."prefix", t."revokedAt", t."lastUsedAt", c."id" AS "connectionId", c."name" AS "connectionName", c."idp"
    FROM "ApiToken" t JOIN "Connection" c ON c."id" = t."connectionId"
    WHERE t."tokenHash" = ${hash}`;
  return rows[0];
}

/**
 * Returns the token's connection, or null for an unknown or revoked token. With a cache (embedded
 * database only, see token-cache.ts) a verified token is answered from memory.
 */
export async function findActiveToken(
  prisma: PrismaClient,
  presented: string,
  options: { now?: Date; cache?: VerifiedTokenCache } = {},
): Promise<VerifiedToken | null> {
  if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 200) return null;
  const now = options.now ?? new Date();
  const hash = hashToken(presented);
  const cached = options.cache?.get(hash);
  if (cached) {
    if (now.getTime() - cached.lastUsedWrittenAt > LAST_USED_RESOLUTION_MS) {
      cached.lastUsedWrittenAt = now.getTime();
      await prisma.apiToken.update({ where: { id: cached.tokenId }, data: { lastUsedAt: now } });
    }
    return { tokenId: cached.tokenId, prefix: cached.prefix, connection: cached.connection };
  }
  const generation = options.cache?.begin();
  const row = await readToken(prisma, hash);
  if (!row || row.revokedAt) return null;
  if (!crypto.timingSafeEqual(Buffer.from(row.tokenHash, "hex"), Buffer.from(hash, "hex"))) return null;
  let lastUsedWrittenAt = row.lastUsedAt?.getTime() ?? 0;
  if (now.getTime() - lastUsedWrittenAt > LAST_USED_RESOLUTION_MS) {
    await prisma.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
    lastUsedWrittenAt = now.getTime();
  }
  const verified = { tokenId: row.id, prefix: row.prefix, connection: { id: row.connectionId, name: row.connectionName, idp: row.idp } };
  options.cache?.fill(hash, { ...verified, lastUsedWrittenAt }, generation!);
  return verified;
}
