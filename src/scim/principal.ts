import type { Request } from "express";
import "passport";

/** Who is calling the SCIM API: the IdP connection a valid bearer token belongs to. */
export interface ScimPrincipal {
  connectionId: string;
  connectionName: string;
  /** entra | okta | generic: selects dialect quirks where they conflict. */
  idp: string;
  tokenId: string;
  /** First characters of the token, safe to log and to record as the audit actor. */
  tokenPrefix: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // passport's req.user for SCIM routes.
    interface User extends Partial<ScimPrincipal> {}
  }
}

/** The authenticated principal of a SCIM request; the auth middleware guarantees it is set. */
export function requirePrincipal(req: Request): ScimPrincipal {
  const user = req.user;
  if (!user?.connectionId) throw new Error("SCIM route reached without an authenticated principal");
  return user as ScimPrincipal;
}
