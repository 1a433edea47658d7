/**
 * Small helpers for the SCIM tests: an authenticated supertest agent on a test bridge and builders
 * for the resources IdPs send. Real HTTP, real database (see test/helpers/bridge.ts).
 */
import request from "supertest";
import type { TestBridge } from "../helpers/bridge";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface ScimClient {
  (method: Method, path: string, body?: unknown, headers?: Record<string, string>): request.Test;
}

export function scimClient(bridge: TestBridge, token = bridge.token): ScimClient {
  return (method, path, body, headers = {}) => {
    let test = request(bridge.url)[method](`/scim/v2${path}`).set("Authorization", `Bearer ${token}`);
    for (const [name, value] of Object.entries(headers)) test = test.set(name, value);
    if (body !== undefined) test = test.set("Content-Type", "application/scim+json").send(JSON.stringify(body));
    return test;
  };
}

export function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: "Given", familyName: "Family" },
    emails: [{ value: userName.includes("@") ? userName : `${userName}@example.com`, type: "work", primary: true }],
    active: true,
    ...extra,
  };
}

export function groupBody(displayName: string, memberIds: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [GROUP_SCHEMA], displayName, members: memberIds.map((value) => ({ value })), ...extra };
}

export async function createUser(scim: ScimClient, userName: string, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await scim("post", "/Users", userBody(userName, extra));
  if (res.status !== 201) throw new Error(`creating ${userName}: ${res.status} ${res.text}`);
  return res.body;
}

export async function createGroup(scim: ScimClient, displayName: string, memberIds: string[] = [], extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await scim("post", "/Groups", groupBody(displayName, memberIds, extra));
  if (res.status !== 201) throw new Error(`creating group ${displayName}: ${res.status} ${res.text}`);
  return res.body;
}

/** Everything the store holds for a connection, to prove a rejected request changed nothing. */
export async function snapshotStore(bridge: TestBridge): Promise<unknown> {
  const p = bridge.db.prisma;
  const [users, emails, groups, members, audit, reconcile, counts] = await Promise.all([
    p.scimUser.findMany({ orderBy: { id: "asc" } }),
    p.scimUserEmail.findMany({ orderBy: { id: "asc" } }),
    p.scimGroup.findMany({ orderBy: { id: "asc" } }),
    p.scimGroupMember.findMany({ orderBy: [{ groupId: "asc" }, { userId: "asc" }] }),
    p.auditEvent.count({ where: { action: { startsWith: "scim." } } }),
    p.reconcileItem.findMany({ orderBy: { id: "asc" } }),
    p.scimTenantCount.findMany({ orderBy: { connectionId: "asc" } }),
  ]);
  return JSON.parse(JSON.stringify({ users, emails, groups, members, audit, reconcile, counts }, (_k, v) => (typeof v === "bigint" ? String(v) : v)));
}
