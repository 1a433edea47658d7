/**
 * prisma/schema.prisma (what the Prisma client believes) and prisma/migrations (what the database
 * really gets) are written by hand, separately; this proves they agree, fact by fact: tables, columns
 * with their native types, nullability and defaults, primary keys, indexes and uniques, foreign keys
 * with their referential actions. Runs on PGlite, and on PostgreSQL when TEST_DATABASE_URL is set.
 *
 * When it fails, the diff names the fact: a "- Expected" line is in schema.prisma but not in the
 * database (a migration is missing), a "+ Received" line is in the database but not in schema.prisma.
 */
import fs from "node:fs";
import { createTestDatabase, type TestDatabase } from "../helpers/database";
import { describeDatabase } from "./database-schema";
import { describePrismaSchema, readDmmf, schemaPath } from "./prisma-schema";

let testDb: TestDatabase;
let inDatabase: string[];
let inSchema: string[];
const schemaText = fs.readFileSync(schemaPath(), "utf8");

beforeAll(async () => {
  testDb = await createTestDatabase();
  inDatabase = await describeDatabase(testDb.db.sql);
  inSchema = describePrismaSchema(readDmmf(schemaText), schemaText);
});

afterAll(async () => {
  await testDb?.close();
});

const only = (facts: string[], ...prefixes: string[]) => facts.filter((fact) => prefixes.some((p) => fact.startsWith(p)));

describe(`schema.prisma agrees with the migrated database (${process.env.TEST_DATABASE_URL ? "PostgreSQL" : "PGlite"})`, () => {
  it("has the same tables and enums", () => {
    expect(only(inDatabase, "table ", "enum ")).toEqual(only(inSchema, "table ", "enum "));
  });

  it("has the same columns, native types, nullability and defaults", () => {
    expect(only(inDatabase, "column ")).toEqual(only(inSchema, "column "));
  });

  it("has the same primary keys", () => {
    expect(only(inDatabase, "primary key ")).toEqual(only(inSchema, "primary key "));
  });

  it("has the same indexes and unique indexes, with Prisma's names", () => {
    expect(only(inDatabase, "index ", "unique index ")).toEqual(only(inSchema, "index ", "unique index "));
  });

  it("has the same foreign keys with the same on delete / on update actions", () => {
    expect(only(inDatabase, "foreign key ")).toEqual(only(inSchema, "foreign key "));
  });

  it("has nothing schema.prisma cannot describe", () => {
    expect(inDatabase).toEqual(inSchema);
  });

  it("checks the kinds of facts that matter (Uuid, Timestamptz(3), JSONB, BIGSERIAL, composite keys, SET NULL)", () => {
    // Guards the comparison itself: if the describers silently produced nothing, every test above would pass.
    expect(inSchema).toEqual(
      expect.arrayContaining([
        "column ScimUser.id uuid NOT NULL",
        "column ScimUser.createdAt timestamp(3) with time zone NOT NULL DEFAULT now()",
        "column ScimUser.resource jsonb NOT NULL",
        "column Connection.settings jsonb NOT NULL DEFAULT {}",
        "column ScimUserEmail.id bigint NOT NULL DEFAULT autoincrement()",
        "column ReconcileItem.state \"ReconcileState\" NOT NULL DEFAULT pending",
        "enum ReconcileState (pending, claimed, done, parked)",
        "column ScimUser.deletedAt timestamp(3) with time zone NULL",
        "primary key ScimGroupMember_pkey on ScimGroupMember (groupId, userId)",
        "unique index ScimUser_connectionId_userNameKey_key on ScimUser using btree (connectionId, userNameKey)",
        "foreign key AuditEvent_connectionId_fkey on AuditEvent (connectionId) references Connection (id) on delete SET NULL on update CASCADE",
      ]),
    );
  });
});

describe("the drift check notices a schema change without a migration", () => {
  // Edits a copy of the schema text in memory, the way someone would forget to write a migration.
  const edited = (pattern: RegExp, replacement: string) => {
    expect(schemaText).toMatch(pattern);
    const text = schemaText.replace(pattern, replacement);
    return describePrismaSchema(readDmmf(text), text);
  };
  const missingFromDatabase = (schema: string[]) => schema.filter((fact) => !inDatabase.includes(fact));

  it("a new field", () => {
    const schema = edited(/(model ScimUser \{\n)/, "$1  nickName String?\n");
    expect(missingFromDatabase(schema)).toEqual(["column ScimUser.nickName text NULL"]);
  });

  it("a new index", () => {
    const schema = edited(/(model ScimGroup \{[^}]*?)(\n\})/, "$1\n  @@index([connectionId, updatedAt])$2");
    expect(missingFromDatabase(schema)).toEqual(["index ScimGroup_connectionId_updatedAt_idx on ScimGroup using btree (connectionId, updatedAt)"]);
  });

  it("a partial index's predicate", () => {
    const schema = edited(/(where: raw\(")\\"nextAttemptAt\\" IS NOT NULL/, '$1\\"nextAttemptAt\\" IS NULL');
    expect(missingFromDatabase(schema)).toEqual(['index ReconcileItem_due_idx on ReconcileItem using btree (priority, nextAttemptAt, id) WHERE "nextAttemptAt" IS NULL']);
  });

  it("a changed native type, nullability or referential action", () => {
    const schema = edited(/(lastUsedAt\s+DateTime\?) @db\.Timestamptz\(3\)/, "$1");
    expect(missingFromDatabase(schema)).toEqual(["column ApiToken.lastUsedAt timestamp(3) without time zone NULL"]);
    const required = edited(/(model ScimUser \{[^}]*?externalId\s+)String\?/, "$1String");
    expect(missingFromDatabase(required)).toEqual(["column ScimUser.externalId text NOT NULL"]);
    const action = edited(/(model ScimGroupMember \{[^}]*?groupId\], references: \[id\], onDelete: )Cascade/, "$1Restrict");
    expect(missingFromDatabase(action)).toEqual([
      "foreign key ScimGroupMember_groupId_fkey on ScimGroupMember (groupId) references ScimGroup (id) on delete RESTRICT on update CASCADE",
    ]);
  });
});
