/** Pieces the user statements share: the email rows written from a user, and the audit details of a user event. */
import type { SqlParams } from "../../db/sql-params";
import type { UserFields } from "../user-fields";

/** The CTE body that writes a user's email rows from `source` (the written user). */
export function insertEmailsSql(p: SqlParams, source: string, fields: UserFields): string {
  const emails = fields.emails.map(({ value, valueKey, type, primary }) => ({ value, valueKey, type, primary }));
  return `INSERT INTO "ScimUserEmail" ("userId", "connectionId", "value", "valueKey", "type", "primary")
    SELECT s."id", s."connectionId", x."value", x."valueKey", x."type", x."primary"
    FROM ${source} s, jsonb_to_recordset(${p.json(emails)}) AS x("value" text, "valueKey" text, "type" text, "primary" boolean)`;
}

/** Audit details of a user event, from the written row `s`: the same whichever request wrote it. */
export const USER_AUDIT_DETAILS = `jsonb_build_object('userName', s."userName", 'externalId', s."externalId", 'active', s."active")`;
