/**
 * A black-box SCIM client for the conformance suites: real HTTP with the IdP's bearer token and the
 * content type the IdP uses. It knows nothing of the bridge's internals.
 */
import crypto from "node:crypto";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

export interface ScimResponse {
  status: number;
  headers: Headers;
  // Tests read arbitrary SCIM JSON; the assertions are the type check.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface ScimClient {
  get(path: string): Promise<ScimResponse>;
  post(path: string, body: unknown): Promise<ScimResponse>;
  put(path: string, body: unknown): Promise<ScimResponse>;
  patch(path: string, operations: unknown[]): Promise<ScimResponse>;
  delete(path: string): Promise<ScimResponse>;
  send(method: string, path: string, init?: { body?: string; headers?: Record<string, string> }): Promise<ScimResponse>;
}

/** `contentType`: Entra sends application/scim+json, Okta's creates use application/json. */
export function scimClient(baseUrl: string, token: string, contentType = "application/scim+json"): ScimClient {
  const send = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${baseUrl}/scim/v2${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, accept: "application/scim+json", ...(init.body !== undefined ? { "content-type": contentType } : {}), ...init.headers },
      body: init.body,
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: the assertions will show the text
    }
    return { status: response.status, headers: response.headers, body };
  };
  return {
    send,
    get: (path) => send("GET", path),
    post: (path, body) => send("POST", path, { body: JSON.stringify(body) }),
    put: (path, body) => send("PUT", path, { body: JSON.stringify(body) }),
    patch: (path, operations) => send("PATCH", path, { body: JSON.stringify({ schemas: [PATCH_SCHEMA], Operations: operations }) }),
    delete: (path) => send("DELETE", path),
  };
}

/** A filter query string, encoded the way IdPs send it. */
export function filterQuery(filter: string, extra = ""): string {
  return `?filter=${encodeURIComponent(filter)}${extra}`;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${crypto.randomBytes(5).toString("hex")}`;
}

/** PATCH success per RFC 7644 §3.5.2: 200 with the resource or 204 without a body. */
export function expectPatchSucceeded(response: ScimResponse): void {
  expect({ status: response.status, body: response.status === 204 ? undefined : response.body?.schemas ? "resource" : response.body }).toEqual(
    response.status === 204 ? { status: 204, body: undefined } : { status: 200, body: "resource" },
  );
}

/** The shape every list answer must have (scim-idp.md §1.4). */
export function expectListResponse(response: ScimResponse, totalResults: number): void {
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/scim\+json/);
  expect(response.body.schemas).toEqual([LIST_SCHEMA]);
  expect(response.body.totalResults).toBe(totalResults);
  expect(Number.isInteger(response.body.startIndex)).toBe(true);
  expect(Number.isInteger(response.body.itemsPerPage)).toBe(true);
  expect(Array.isArray(response.body.Resources)).toBe(true);
}

export function expectScimError(response: ScimResponse, status: number, scimType?: string): void {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/scim\+json/);
  expect(response.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(String(response.body.status)).toBe(String(status));
  expect(typeof response.body.detail).toBe("string");
  expect(response.body.detail.length).toBeGreaterThan(0);
  if (scimType) expect(response.body.scimType).toBe(scimType);
}

/** The member ids of a group, sorted (a GET that must answer 200). */
export async function groupMemberIds(client: ScimClient, groupId: string): Promise<string[]> {
  const group = await client.get(`/Groups/${groupId}`);
  expect(group.status).toBe(200);
  return ((group.body.members ?? []) as Array<{ value: string }>).map((m) => m.value).sort();
}
