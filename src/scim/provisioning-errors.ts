/** Boundary with the desired-state store: its ProvisioningError reasons as SCIM errors. */
import { ProvisioningError } from "../provisioning/provisioning-error";
import { invalidValue, ScimError, uniqueness } from "./errors";
import { etagOf } from "./http/etag";

export function translateProvisioningError(error: unknown): ScimError | undefined {
  if (!(error instanceof ProvisioningError)) return undefined;
  switch (error.reason) {
    case "userNameTaken":
      return uniqueness(error.message);
    case "unknownMembers":
      return invalidValue(error.message);
    case "versionMismatch":
      return new ScimError(
        412,
        undefined,
        `${error.message}: If-Match no longer matches${error.details.currentVersion !== undefined ? ` (now ${etagOf(error.details.currentVersion)})` : ""}`,
      );
  }
}

export async function withProvisioning<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateProvisioningError(error) ?? error;
  }
}
