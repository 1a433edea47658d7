/**
 * IdP bearer tokens. A token is 32 random bytes (base64url) behind a recognisable prefix; only its
 * SHA-256 is stored. Tokens have 256 bits of entropy, so a fast unsalted hash is safe and lets us find
 * the row by an indexed lookup; the final comparison is constant-time all the same.
 * States: active → revoked (revokedAt set). lastUsedAt is refreshed at most once a minute per token,
 * so a burst of SCIM calls does not turn into a burst of writes.
 */
import crypto from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client";

export const TOKEN_PREFIX = "gsb_";
const LAST_USED_RESOLUTION_MS = 60_000;

export interface IssuedToken {
  id: string;
  token: string;
  prefix: string;
}

export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("hex");
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

/** Returns the token's connection, or null for an unknown or revoked token. */
export async function findActiveToken(db: TokenStore, presented: string, now: Date = new Date()): Promise<VerifiedToken | null> {
  if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 200) return null;
  const hash = hashToken(presented);
  const row = await db.apiToken.findUnique({
    where: { tokenHash: hash },
    include: { connection: { select: { id: true, name: true, idp: true } } },
  });
  if (!row || row.revokedAt) return null;
  if (!crypto.timingSafeEqual(Buffer.from(row.tokenHash, "hex"), Buffer.from(hash, "hex"))) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { tokenId: row.id, prefix: row.prefix, connection: row.connection };
}
