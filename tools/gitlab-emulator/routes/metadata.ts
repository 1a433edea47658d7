/** GET /metadata and its deprecated twin GET /version: the same Entities::Metadata, authenticated only. */
import type { Context, Reply, RouteDef } from "../http/router";

function metadata(ctx: Context): Reply {
  const { version, revision } = ctx.store.settings;
  return {
    status: 200,
    body: { version, revision, kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null }, enterprise: version.endsWith("-ee") },
  };
}

export const metadataRoutes: RouteDef[] = [
  { method: "GET", pattern: "/api/v4/metadata", access: "user", scope: "read_api", handler: metadata },
  { method: "GET", pattern: "/api/v4/version", access: "user", scope: "read_api", handler: metadata },
];
