/** What a conditional single-statement write that touched no row means for the caller. */
import type { Database } from "../db/database";
import { ProvisioningError } from "./provisioning-error";

/** Why a conditional single-statement write touched no row: the row is gone (null), or its version moved (throws). */
export async function explainMissedWrite(db: Database, table: "ScimUser" | "ScimGroup", connectionId: string, id: string): Promise<null> {
  const [current] = await db.direct.query<{ version: number }>(`SELECT "version" FROM "${table}" WHERE "id" = $1::uuid AND "connectionId" = $2::uuid AND "deletedAt" IS NULL`, [id, connectionId]);
  if (!current) return null;
  const what = table === "ScimUser" ? "user" : "group";
  throw new ProvisioningError("versionMismatch", `The ${what} was changed by another request`, { currentVersion: current.version });
}
