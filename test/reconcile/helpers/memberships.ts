/**
 * GitLab's side of the membership tests, read from the emulator over real HTTP (/-/emulator/state), and
 * the SCIM steps they repeat: linked users, groups, seeded GitLab groups.
 */
import crypto from "node:crypto";
import type { ReconcilingBridge } from "../../helpers/reconciling-bridge";
import { createGroup, createUser, PATCH_OP, type ScimClient } from "../../scim/scim-client";
import { linkOf, seedGitLab } from "./gitlab-view";

export const unique = (prefix: string) => `${prefix}${crypto.randomBytes(3).toString("hex")}`;

async function state(bridge: ReconcilingBridge): Promise<any> {
  const res = await fetch(`${bridge.emulator.url}/-/emulator/state`, { headers: { "PRIVATE-TOKEN": bridge.emulator.adminToken } });
  return res.json();
}

/** Direct members of a GitLab group by full path: user id → level (and expiry). */
export async function gitlabMembers(bridge: ReconcilingBridge, fullPath: string): Promise<Map<number, { accessLevel: number; expiresAt: string | null }>> {
  const s = await state(bridge);
  const group = s.groups.find((g: any) => g.fullPath === fullPath);
  if (!group) throw new Error(`no GitLab group ${fullPath}`);
  return new Map(s.members.filter((m: any) => m.groupId === group.id).map((m: any) => [m.userId, { accessLevel: m.accessLevel, expiresAt: m.expiresAt }]));
}

export async function levelsOf(bridge: ReconcilingBridge, fullPath: string): Promise<Record<number, number>> {
  return Object.fromEntries([...(await gitlabMembers(bridge, fullPath))].map(([id, m]) => [id, m.accessLevel]));
}

/** A new top-level GitLab group (and optional subgroups / members), by seed. Returns its full path. */
export async function seedGroup(bridge: ReconcilingBridge, extra: { subgroups?: string[]; members?: { userId: number; accessLevel: number }[] } = {}): Promise<string> {
  const path = unique("grp-");
  await seedGitLab(bridge, { groups: [{ path, members: extra.members ?? [] }, ...(extra.subgroups ?? []).map((sub) => ({ path: sub, parent: path }))] });
  return path;
}

export interface LinkedUser {
  id: string;
  gitlabId: number;
  userName: string;
}

/** SCIM users whose GitLab users the bridge created and linked. */
export async function linkedUsers(bridge: ReconcilingBridge, scim: ScimClient, n: number): Promise<LinkedUser[]> {
  const users = [];
  for (let i = 0; i < n; i++) {
    const userName = `${unique("m")}@example.com`;
    users.push(await createUser(scim, userName, { externalId: unique("ext-") }));
  }
  await bridge.quiet();
  const out: LinkedUser[] = [];
  for (const u of users) {
    const link = await linkOf(bridge, u.id);
    if (!link?.gitlabUserId) throw new Error(`user ${u.userName} was not linked: ${link?.lastError}`);
    out.push({ id: u.id, gitlabId: link.gitlabUserId, userName: u.userName });
  }
  return out;
}

export async function scimGroup(scim: ScimClient, displayName: string, members: LinkedUser[]): Promise<string> {
  return (await createGroup(scim, displayName, members.map((m) => m.id))).id;
}

export async function patchMembers(scim: ScimClient, groupId: string, op: "add" | "remove", members: LinkedUser[]): Promise<void> {
  const operations =
    op === "add"
      ? [{ op: "add", path: "members", value: members.map((m) => ({ value: m.id })) }]
      : members.map((m) => ({ op: "remove", path: `members[value eq "${m.id}"]` }));
  const res = await scim("patch", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: operations });
  if (res.status >= 300) throw new Error(`PATCH group: ${res.status} ${res.text}`);
}
