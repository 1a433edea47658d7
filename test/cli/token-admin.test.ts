/**
 * The command functions' domain underneath: connection and token administration on a real database
 * (PGlite in memory, or PostgreSQL with TEST_DATABASE_URL). Audit events, connection scoping and the
 * duplicate-name race are checked here, where the rows can be read directly.
 */
import { ConnectionError, createConnection, listConnections } from "../../src/connections/connections";
import { createConnectionToken, listConnectionTokens, revokeConnectionToken } from "../../src/connections/token-admin";
import { findActiveToken, hashToken } from "../../src/connections/tokens";
import { createTestDatabase, type TestDatabase } from "../helpers/database";

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
}, 120_000);

afterAll(async () => {
  await testDb?.close();
});

const prisma = () => testDb.db.prisma;

test("token create stores only the hash and records token.created with actor cli", async () => {
  const connection = await createConnection(prisma(), { name: "audit-create", idp: "entra", actor: "cli" });
  const issued = await createConnectionToken(prisma(), { connectionName: "audit-create", label: "ci", actor: "cli" });
  const row = await prisma().apiToken.findUniqueOrThrow({ where: { id: issued.id } });
  expect(row.tokenHash).toBe(hashToken(issued.token));
  expect(JSON.stringify(row)).not.toContain(issued.token);
  // 32 random bytes: 43 base64url characters after the prefix.
  expect(issued.token).toMatch(/^gsb_[A-Za-z0-9_-]{43}$/);
  const events = await prisma().auditEvent.findMany({ where: { connectionId: connection.id }, orderBy: { id: "asc" } });
  expect(events.map((e) => [e.action, e.actor])).toEqual([
    ["connection.created", "cli"],
    ["token.created", "cli"],
  ]);
  expect(events[1]).toMatchObject({ subjectType: "token", subjectId: issued.id, details: { prefix: issued.prefix, label: "ci" } });
  expect(JSON.stringify(events.map((e) => e.details))).not.toContain(issued.token);
});

test("revoke: the token stops authenticating at once, token.revoked is recorded once, a second revoke changes nothing", async () => {
  const connection = await createConnection(prisma(), { name: "audit-revoke", idp: "okta", actor: "cli" });
  expect(await findActiveToken(prisma(), connection.token.token)).not.toBeNull();
  const revoked = await revokeConnectionToken(prisma(), { connectionName: "audit-revoke", tokenId: connection.token.id, actor: "cli" });
  expect(revoked).toMatchObject({ id: connection.token.id, changed: true });
  expect(await findActiveToken(prisma(), connection.token.token)).toBeNull();
  const again = await revokeConnectionToken(prisma(), { connectionName: "audit-revoke", tokenId: connection.token.id, actor: "cli" });
  expect(again).toMatchObject({ changed: false, revokedAt: revoked.revokedAt });
  const revocations = await prisma().auditEvent.findMany({ where: { connectionId: connection.id, action: "token.revoked" } });
  expect(revocations).toHaveLength(1);
  expect(revocations[0]).toMatchObject({ actor: "cli", subjectId: connection.token.id });
});

test("a token can be revoked only through its own connection", async () => {
  const a = await createConnection(prisma(), { name: "scope-a", idp: "generic", actor: "cli" });
  await createConnection(prisma(), { name: "scope-b", idp: "generic", actor: "cli" });
  await expect(revokeConnectionToken(prisma(), { connectionName: "scope-b", tokenId: a.token.id, actor: "cli" })).rejects.toThrow(
    new ConnectionError(`connection "scope-b" has no token with id ${a.token.id} (see \`token list --connection scope-b\`)`),
  );
  expect(await findActiveToken(prisma(), a.token.token)).not.toBeNull();
  expect((await listConnectionTokens(prisma(), "scope-b")).map((t) => t.id)).not.toContain(a.token.id);
});

test("listings carry no token and no hash; connection list counts active tokens", async () => {
  const created = await createConnection(prisma(), { name: "listing", idp: "entra", actor: "cli" });
  await createConnectionToken(prisma(), { connectionName: "listing", actor: "cli" });
  await revokeConnectionToken(prisma(), { connectionName: "listing", tokenId: created.token.id, actor: "cli" });
  const tokens = await listConnectionTokens(prisma(), "listing");
  for (const token of tokens) expect(Object.keys(token).sort()).toEqual(["createdAt", "id", "label", "lastUsedAt", "prefix", "revokedAt"]);
  expect((await listConnections(prisma())).find((c) => c.name === "listing")).toMatchObject({ idp: "entra", activeTokens: 1 });
});

test("unknown connection, bad token id and bad label are ConnectionErrors naming what is wrong", async () => {
  await expect(listConnectionTokens(prisma(), "missing")).rejects.toThrow('there is no connection named "missing"');
  await expect(revokeConnectionToken(prisma(), { connectionName: "listing", tokenId: "abc", actor: "cli" })).rejects.toThrow("--token-id must be a token id");
  await expect(createConnectionToken(prisma(), { connectionName: "listing", label: "x".repeat(101), actor: "cli" })).rejects.toThrow("--label must be 1-100 characters");
  await expect(createConnection(prisma(), { name: "bad name!", idp: "entra", actor: "cli" })).rejects.toThrow(ConnectionError);
});

test("two concurrent creates of one connection name: exactly one succeeds, the other is a ConnectionError", async () => {
  const results = await Promise.allSettled([
    createConnection(prisma(), { name: "race", idp: "entra", actor: "cli" }),
    createConnection(prisma(), { name: "race", idp: "okta", actor: "cli" }),
  ]);
  expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected")!;
  expect(rejected.reason).toEqual(new ConnectionError('a connection named "race" already exists'));
});

test("audit events of operator actions carry the caller's clock, like every SCIM write's (one audit writer)", async () => {
  const at = (iso: string) => new Date(iso);
  const connection = await createConnection(prisma(), { name: "audit-clock", idp: "generic", actor: "cli", now: at("2031-01-02T03:04:05.006Z") });
  const issued = await createConnectionToken(prisma(), { connectionName: "audit-clock", actor: "cli", now: at("2031-01-02T03:04:06.000Z") });
  await revokeConnectionToken(prisma(), { connectionName: "audit-clock", tokenId: issued.id, actor: "cli", now: at("2031-01-02T03:04:07.000Z") });
  const events = await prisma().auditEvent.findMany({ where: { connectionId: connection.id }, orderBy: { id: "asc" } });
  expect(events.map((e) => [e.action, e.at.toISOString()])).toEqual([
    ["connection.created", "2031-01-02T03:04:05.006Z"],
    ["token.created", "2031-01-02T03:04:06.000Z"],
    ["token.revoked", "2031-01-02T03:04:07.000Z"],
  ]);
});
