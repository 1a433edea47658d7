/**
 * Loads a directory into the bridge's database quickly: rows written with Prisma createMany in the
 * shape the SCIM store writes them (columns derived by the same userFieldsFrom/groupFieldsFrom the
 * SCIM handlers use), instead of 21,000 SCIM requests. Audit events and reconcile marks of the seed
 * are not written: the measured requests write their own. Used by bench/prepare.ts, in a process of
 * its own before the bridge starts.
 */
import crypto from "node:crypto";
import type { Database } from "../src/db/database";
import { groupFieldsFrom } from "../src/provisioning/group-fields";
import { userFieldsFrom } from "../src/provisioning/user-fields";

export interface SeededDirectory {
  users: { id: string; userName: string }[];
  groups: { id: string; displayName: string; memberIds: string[] }[];
}

/** What bench/prepare.ts writes to its output file for bench/run.ts. */
export interface PreparedDirectory extends SeededDirectory {
  /** Bearer token of the "bench" connection that owns the seeded directory. */
  token: string;
  /** The "bench-large" connection (bench/large-tenant.ts): its token and how many users it has. */
  large: { token: string; users: number };
}

/** A positive number from the environment (the BENCH_* knobs), or the fallback. */
export function benchNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw ? Number(raw) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

/** Directory size: 10,000 users and 1,000 groups of 10 members unless BENCH_USERS/GROUPS/MEMBERS say otherwise. */
export function benchSizes(): { users: number; groups: number; membersPerGroup: number } {
  return { users: benchNumber("BENCH_USERS", 10_000), groups: benchNumber("BENCH_GROUPS", 1_000), membersPerGroup: benchNumber("BENCH_MEMBERS", 10) };
}

const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const BATCH = 1000;

/** A user as Entra ID creates one. */
export function benchUserResource(n: number, prefix = "user"): Record<string, unknown> {
  const tag = String(n).padStart(6, "0");
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    userName: `${prefix}${tag}@example.com`,
    externalId: `${prefix}-ext-${tag}`,
    active: true,
    displayName: `Bench ${prefix} ${tag}`,
    name: { givenName: "Bench", familyName: `${prefix} ${tag}`, formatted: `Bench ${prefix} ${tag}` },
    emails: [{ value: `${prefix}${tag}@example.com`, type: "work", primary: true }],
    [ENTERPRISE_USER]: { department: `Department ${n % 50}`, employeeNumber: tag },
  };
}

export async function seedDirectory(db: Database, connectionId: string, sizes: { users: number; groups: number; membersPerGroup: number }): Promise<SeededDirectory> {
  const now = new Date();
  const users: SeededDirectory["users"] = [];
  for (let start = 0; start < sizes.users; start += BATCH) {
    const rows = [];
    const emails = [];
    for (let n = start; n < Math.min(start + BATCH, sizes.users); n++) {
      const id = crypto.randomUUID();
      const fields = userFieldsFrom(benchUserResource(n));
      const { emails: userEmails, ...columns } = fields;
      rows.push({ id, connectionId, ...columns, createdAt: now, updatedAt: now });
      for (const email of userEmails) emails.push({ ...email, userId: id, connectionId });
      users.push({ id, userName: fields.userName });
    }
    await db.prisma.scimUser.createMany({ data: rows });
    await db.prisma.scimUserEmail.createMany({ data: emails });
  }
  const groups: SeededDirectory["groups"] = [];
  for (let start = 0; start < sizes.groups; start += BATCH) {
    const rows = [];
    const members = [];
    for (let g = start; g < Math.min(start + BATCH, sizes.groups); g++) {
      const id = crypto.randomUUID();
      const fields = groupFieldsFrom({ schemas: [CORE_GROUP], displayName: `Bench group ${g}`, externalId: `group-ext-${g}` });
      rows.push({ id, connectionId, ...fields, createdAt: now, updatedAt: now });
      // Members g*k .. g*k+k-1 (mod users): every group distinct, every user in about the same number of groups.
      const memberIds: string[] = [];
      for (let k = 0; k < sizes.membersPerGroup && users.length > 0; k++) {
        const user = users[(g * sizes.membersPerGroup + k) % users.length];
        if (memberIds.includes(user.id)) continue;
        memberIds.push(user.id);
        members.push({ groupId: id, userId: user.id, createdAt: now });
      }
      groups.push({ id, displayName: fields.displayName, memberIds });
    }
    await db.prisma.scimGroup.createMany({ data: rows });
    for (let i = 0; i < members.length; i += BATCH) await db.prisma.scimGroupMember.createMany({ data: members.slice(i, i + BATCH) });
  }
  return { users, groups };
}
