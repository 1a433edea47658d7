/**
 * Verified bearer tokens kept in memory, so that a burst of SCIM calls does not pay a database
 * round trip each just to authenticate.
 *
 * Only safe where this process sees every revocation: the embedded PGlite database, which only the
 * server process opens (the CLI reaches it through the control socket, so `token revoke` runs here).
 * With PostgreSQL another instance or the CLI may revoke, so the bridge does not cache there.
 *
 * Revocation forgets the token after its transaction commits. A lookup that read the row before that
 * commit must not put the stale answer back: every fill carries the generation it started in and is
 * dropped if a revocation happened meanwhile.
 */
import type { PrismaClient } from "../generated/prisma/client";

export interface CachedToken {
  tokenId: string;
  prefix: string;
  connection: { id: string; name: string; idp: string };
  /** When lastUsedAt was last written (ms since epoch). */
  lastUsedWrittenAt: number;
}

/** Bounded: a flood of distinct valid tokens cannot grow memory without limit. */
const MAX_ENTRIES = 10_000;

export class VerifiedTokenCache {
  private readonly byHash = new Map<string, CachedToken>();
  private generation = 0;

  get(hash: string): CachedToken | undefined {
    return this.byHash.get(hash);
  }

  /** The generation to pass to `fill` for a lookup starting now. */
  begin(): number {
    return this.generation;
  }

  fill(hash: string, token: CachedToken, startedAt: number): void {
    if (startedAt !== this.generation) return;
    if (this.byHash.size >= MAX_ENTRIES) this.byHash.delete(this.byHash.keys().next().value!);
    this.byHash.set(hash, token);
  }

  forgetToken(tokenId: string): void {
    this.generation++;
    for (const [hash, token] of this.byHash) if (token.tokenId === tokenId) this.byHash.delete(hash);
  }
}

const caches = new WeakMap<PrismaClient, VerifiedTokenCache>();

/** The cache of one database client: the auth middleware reads it, revocation clears it. */
export function tokenCacheOf(prisma: PrismaClient): VerifiedTokenCache {
  let cache = caches.get(prisma);
  if (!cache) {
    cache = new VerifiedTokenCache();
    caches.set(prisma, cache);
  }
  return cache;
}
