/**
 * The one error type of the desired-state store. The SCIM layer translates each reason into a SCIM
 * error at its boundary (scim/provisioning-errors.ts); other callers (CLI, admin) can do their own.
 */
export type ProvisioningErrorReason =
  /** Another live user of the connection has this userName (case-insensitively). */
  | "userNameTaken"
  /** The caller's expected version (If-Match) is not the stored one. */
  | "versionMismatch"
  /** Group members that are not live users of the connection. */
  | "unknownMembers";

export class ProvisioningError extends Error {
  constructor(
    readonly reason: ProvisioningErrorReason,
    message: string,
    readonly details: { ids?: string[]; currentVersion?: number } = {},
  ) {
    super(message);
    this.name = "ProvisioningError";
  }
}

export function userNameTaken(userName: string): ProvisioningError {
  return new ProvisioningError("userNameTaken", `userName "${userName}" is already in use by another user of this connection`);
}
