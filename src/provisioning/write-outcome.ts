/**
 * The one version-conflict check: a write statement's outcome row (see sql/live-row.ts) becomes the
 * written or current row, null when the resource does not exist, or a versionMismatch error.
 */
import { ProvisioningError } from "./provisioning-error";

export type WriteOutcome = "written" | "unchanged" | "conflict" | "unknownMembers";

export interface OutcomeRow {
  outcome: WriteOutcome;
  version: number;
}

export function settleOutcome<Row extends OutcomeRow>(row: Row | undefined, what: "user" | "group"): Row | null {
  if (!row) return null;
  if (row.outcome === "conflict") {
    throw new ProvisioningError("versionMismatch", `The ${what} was changed by another request`, { currentVersion: row.version });
  }
  return row;
}
