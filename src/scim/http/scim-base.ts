/**
 * Absolute base of the SCIM API for meta.location and Location: PUBLIC_URL when configured (the bridge
 * behind a proxy), else the address the listener was reached on (the socket's own address and port).
 * Never the Host or X-Forwarded-Host header: what a client says about our name is not ours to echo
 * back as a resource's location. The scheme is the connection's, or X-Forwarded-Proto from a peer
 * TRUST_PROXY names (Express's req.protocol applies that rule), and only http or https.
 */
import type { Request } from "express";
import type { Config } from "../../config";

function listenerAuthority(req: Request): string {
  const address = (req.socket.localAddress ?? "127.0.0.1").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, "");
  const host = address.includes(":") ? `[${address.replace("%", "%25")}]` : address; // RFC 6874 zone id
  return `${host}:${req.socket.localPort}`;
}

export function scimBaseOf(req: Request, config: Config): string {
  const scheme = req.protocol === "https" ? "https" : "http";
  const origin = config.publicUrl ?? `${scheme}://${listenerAuthority(req)}`;
  return origin + req.baseUrl; // the SCIM router's mount point: every SCIM route is registered on it
}
