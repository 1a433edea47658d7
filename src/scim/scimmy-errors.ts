/**
 * Boundary with scimmy, which the bridge uses only to coerce resources against its schema
 * definitions. Its verdicts come out in two forms, both the client's fault and both translated here:
 *  - SCIMMY.Types.Error with a 4xx status (and usually a scimType);
 *  - a plain TypeError whose message is one of coercion's sentences about a value ("Attribute 'active'
 *    expected value type 'boolean'…", "Required attribute 'userName' is missing", "Complex attribute
 *    'name' expected complex value…", "Missing values for required schema extension…").
 * Anything else thrown from inside scimmy (another TypeError, a 5xx) is a bug on one side or the
 * other, not a bad request: it is rethrown unchanged, so the IdP gets a generic 500 and the log the
 * cause. test/scim/scimmy-boundary.test.ts fails if scimmy's vocabulary changes.
 */
import { ScimError, type ScimType } from "./errors";
import { SCIMMY } from "./schema/scimmy-schemas";

const SCIM_TYPES = new Set<string>(["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"]);

/** How scimmy's coercion (types.cjs: Attribute#coerce, SchemaDefinition#coerce) words a value that does not fit. */
const COERCION_VERDICT = /^(Attribute|Required attribute|Complex attribute) '[^']*' |^Missing values for required schema extension '/;

export function translateScimmyError(error: unknown): ScimError | undefined {
  if (error instanceof SCIMMY.Types.Error) {
    const e = error as unknown as { status: number; scimType?: string; message: string };
    if (!(e.status >= 400 && e.status < 500)) return undefined;
    const scimType = e.scimType && SCIM_TYPES.has(e.scimType) ? (e.scimType as ScimType) : undefined;
    return new ScimError(e.status, scimType, e.message);
  }
  if (error instanceof TypeError && COERCION_VERDICT.test(error.message)) return new ScimError(400, "invalidValue", error.message);
  return undefined;
}

export function withScimmy<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw translateScimmyError(error) ?? error;
  }
}
