/**
 * The discovery documents (RFC 7644 §4, RFC 7643 §5–§7), saying only what is true: PATCH, filter
 * (up to SCIM_MAX_PAGE_SIZE results), sort and ETags are supported; bulk and password change are not;
 * authentication is an OAuth bearer token. Schema descriptions come from the scimmy definitions the
 * bridge validates with, so they cannot drift from the validation.
 */
import type { Config } from "../../config";
import { ENTERPRISE_USER_SCHEMA, EnterpriseUserSchema, GITLAB_GROUP_SCHEMA, GITLAB_USER_SCHEMA, GitLabGroupSchema, GitLabUserSchema, GROUP_SCHEMA, GroupSchema, USER_SCHEMA, UserSchema } from "../schema/scimmy-schemas";

type Json = Record<string, unknown>;

export const SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
export const RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

export function serviceProviderConfig(config: Config, base: string): Json {
  return {
    schemas: [SPC_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: config.scimMaxPageSize },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "A bearer token issued by the bridge for one IdP connection (npx gitlab-scim-bridge token create)",
        specUri: "https://www.rfc-editor.org/info/rfc6750",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${base}/ServiceProviderConfig` },
  };
}

const DESCRIBED = [UserSchema, EnterpriseUserSchema, GitLabUserSchema, GroupSchema, GitLabGroupSchema].map((s) => s.definition.describe("/Schemas") as Json);

export function schemaDocuments(base: string): Json[] {
  return DESCRIBED.map((d) => ({ ...d, meta: { resourceType: "Schema", location: `${base}/Schemas/${d.id as string}` } }));
}

export function resourceTypeDocuments(base: string): Json[] {
  return [
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: "User",
      name: "User",
      endpoint: "/Users",
      description: "User Account",
      schema: USER_SCHEMA,
      schemaExtensions: [
        { schema: ENTERPRISE_USER_SCHEMA, required: false },
        { schema: GITLAB_USER_SCHEMA, required: false },
      ],
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [RESOURCE_TYPE_SCHEMA],
      id: "Group",
      name: "Group",
      endpoint: "/Groups",
      description: "Group",
      schema: GROUP_SCHEMA,
      schemaExtensions: [{ schema: GITLAB_GROUP_SCHEMA, required: false }],
      meta: { resourceType: "ResourceType", location: `${base}/ResourceTypes/Group` },
    },
  ];
}
