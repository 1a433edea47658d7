/** Per-request facts every SCIM handler needs: whose data, the absolute base URL, the write context. */
import type { Request } from "express";
import type { Config } from "../../config";
import type { WriteContext } from "../../provisioning/write-context";
import { requirePrincipal } from "../principal";
import { scimBaseOf } from "./scim-base";

export interface RequestScope {
  connectionId: string;
  base: string;
  write: WriteContext;
}

export function requestScope(req: Request, config: Config, now: Date = new Date()): RequestScope {
  const principal = requirePrincipal(req);
  return {
    connectionId: principal.connectionId,
    base: scimBaseOf(req, config),
    write: {
      connectionId: principal.connectionId,
      actor: `scim:${principal.tokenPrefix}`,
      requestId: typeof req.id === "string" ? req.id : req.id !== undefined ? String(req.id) : undefined,
      now,
    },
  };
}
