/**
 * What the SCIM surface needs of bearer tokens: presented token in, its connection (or null) out.
 * Built here from a Database, so the SCIM layer never holds a database handle; on the embedded
 * database verified tokens come from this process's cache (see token-cache.ts for why only there).
 */
import type { Database } from "../db/database";
import { tokenCacheOf } from "./token-cache";
import { findActiveToken, type VerifiedToken } from "./tokens";

export interface TokenVerifier {
  /** The token's connection; null for an unknown or revoked token. */
  verify(presented: string, now: Date): Promise<VerifiedToken | null>;
}

export function tokenVerifier(db: Database): TokenVerifier {
  const cache = db.kind === "pglite" ? tokenCacheOf(db.prisma) : undefined;
  return { verify: (presented, now) => findActiveToken(db.prisma, presented, { now, cache }) };
}
