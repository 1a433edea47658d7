/**
 * The embedded database's verified-token cache (src/connections/token-cache.ts): revocation must win
 * every race with a verification, so a revoked token is refused on the very next request.
 */
import { createConnection } from "../../src/connections/connections";
import { revokeConnectionToken } from "../../src/connections/token-admin";
import { tokenCacheOf, VerifiedTokenCache } from "../../src/connections/token-cache";
import { findActiveToken } from "../../src/connections/tokens";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

const entry = { tokenId: "t1", prefix: "gsb_abcdef", connection: { id: "c", name: "n", idp: "generic" }, lastUsedWrittenAt: 0 };

test("a verification that read the row before a revocation does not put the token back", () => {
  const cache = new VerifiedTokenCache();
  const started = cache.begin();
  cache.forgetToken("t1");
  cache.fill("hash", entry, started);
  expect(cache.get("hash")).toBeUndefined();
});

test("a verification after the revocation is cached normally", () => {
  const cache = new VerifiedTokenCache();
  cache.forgetToken("other");
  cache.fill("hash", entry, cache.begin());
  expect(cache.get("hash")).toEqual(entry);
  cache.forgetToken("t1");
  expect(cache.get("hash")).toBeUndefined();
});

describe("with a database", () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(() => testDb.close());

  test("token revoke clears the cached verification after its commit", async () => {
    const prisma = testDb.db.prisma;
    const cache = tokenCacheOf(prisma);
    const created = await createConnection(prisma, { name: "cache-test", idp: "okta", actor: "test" });
    expect(await findActiveToken(prisma, created.token.token, { cache })).toMatchObject({ tokenId: created.token.id });
    // Served from memory now: the same answer without reading the row.
    expect(await findActiveToken(prisma, created.token.token, { cache })).toMatchObject({ connection: { name: "cache-test" } });
    await revokeConnectionToken(prisma, { connectionName: "cache-test", tokenId: created.token.id, actor: "test" });
    expect(await findActiveToken(prisma, created.token.token, { cache })).toBeNull();
  });
});
