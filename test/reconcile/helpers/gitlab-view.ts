/**
 * GitLab's side of a reconciling test, read from the emulator over real HTTP: its users (the
 * /-/emulator/state dump) and the calls it received (the request log), plus the bridge's audit rows.
 */
import type { RequestRecord } from "../../../tools/gitlab-emulator";
import type { ReconcilingBridge } from "../../helpers/reconciling-bridge";

export interface EmulatedUser {
  id: number;
  username: string;
  name: string;
  email: string;
  state: string;
  identities: { provider: string; externUid: string }[];
  secondaryEmails: { email: string; confirmed: boolean }[];
  pendingDeletion: boolean;
}

async function control<T>(bridge: ReconcilingBridge, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${bridge.emulator.url}/-/emulator${path}`, { ...init, headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken, "Content-Type": "application/json", ...(init.headers ?? {}) } });
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export async function gitlabUsers(bridge: ReconcilingBridge): Promise<EmulatedUser[]> {
  return (await control<{ users: EmulatedUser[] }>(bridge, "/state")).users;
}

export async function gitlabUserByIdentity(bridge: ReconcilingBridge, externUid: string, provider = "saml"): Promise<EmulatedUser | undefined> {
  return (await gitlabUsers(bridge)).find((u) => u.identities.some((i) => i.provider === provider && i.externUid === externUid));
}

export async function gitlabUser(bridge: ReconcilingBridge, id: number): Promise<EmulatedUser | undefined> {
  return (await gitlabUsers(bridge)).find((u) => u.id === id);
}

/** The calls received after `since` (a seq from lastSeq), as "METHOD /path". */
export async function gitlabCalls(bridge: ReconcilingBridge, since = 0): Promise<RequestRecord[]> {
  return control<RequestRecord[]>(bridge, `/requests?since=${since}`);
}

export async function lastSeq(bridge: ReconcilingBridge): Promise<number> {
  const all = await gitlabCalls(bridge);
  return all.length ? all[all.length - 1].seq : 0;
}

export const callLines = (calls: RequestRecord[]) => calls.map((c) => `${c.method} ${c.path}`);

export async function seedGitLab(bridge: ReconcilingBridge, seed: unknown): Promise<void> {
  await control(bridge, "/seed", { method: "POST", body: JSON.stringify(seed) });
}

export async function auditOf(bridge: ReconcilingBridge, scimUserId: string, actionPrefix = "gitlab.") {
  const rows = await bridge.db.prisma.auditEvent.findMany({ where: { subjectType: "user", subjectId: scimUserId, action: { startsWith: actionPrefix } }, orderBy: { id: "asc" } });
  return rows.map((r) => ({ action: r.action, requestId: r.requestId, actor: r.actor, details: r.details as Record<string, unknown> }));
}

export async function linkOf(bridge: ReconcilingBridge, scimUserId: string) {
  return bridge.db.prisma.gitLabUserLink.findUnique({ where: { scimUserId } });
}
