/**
 * Absolute base of the SCIM API for meta.location: PUBLIC_URL when configured (the bridge behind a
 * proxy), else what the request says about its own host.
 */
import type { Request } from "express";
import type { Config } from "../../config";

export function scimBaseOf(req: Request, config: Config): string {
  const origin = config.publicUrl ?? `${req.protocol}://${req.get("host") ?? "localhost"}`;
  return origin + req.baseUrl; // the SCIM router's mount point: every SCIM route is registered on it
}
