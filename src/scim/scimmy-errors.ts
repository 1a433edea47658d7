/**
 * Boundary with scimmy. Its validation failures come out either as SCIMMY.Types.Error (status and
 * scimType set) or as a plain TypeError from schema coercion ("Attribute 'active' expected value
 * type 'boolean'…"): both are the client's fault and become ScimErrors. Only the scimmy call itself
 * is wrapped, so our own bugs never turn into a 400.
 */
import { ScimError, type ScimType } from "./errors";
import { SCIMMY } from "./schema/scimmy-schemas";

const SCIM_TYPES = new Set<string>(["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"]);

export function translateScimmyError(error: unknown): ScimError | undefined {
  if (error instanceof SCIMMY.Types.Error) {
    const e = error as unknown as { status: number; scimType?: string; message: string };
    const scimType = e.scimType && SCIM_TYPES.has(e.scimType) ? (e.scimType as ScimType) : undefined;
    const status = e.status >= 400 && e.status < 500 ? e.status : 400;
    return new ScimError(status, scimType, e.message);
  }
  if (error instanceof TypeError) return new ScimError(400, "invalidValue", error.message);
  return undefined;
}

export function withScimmy<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw translateScimmyError(error) ?? error;
  }
}

export async function withScimmyAsync<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw translateScimmyError(error) ?? error;
  }
}
