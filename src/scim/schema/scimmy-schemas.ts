/**
 * The scimmy schema classes the bridge describes (GET /Schemas) and the schema definitions it
 * validates resources against.
 *
 * Two sets, because scimmy treats `canonicalValues` as a closed list while RFC 7643 §7 makes them
 * suggestions ("canonicalValues: A collection of suggested canonical values that MAY be used"): Entra
 * sends roles of type "WindowsAzureActiveDirectoryRole", Okta email type "Work", and scimmy's own
 * `roles.type` and `x509Certificates.type` declare `canonicalValues: []`, which refuses any type at
 * all. The described set keeps the suggestions for discovery; the validation set is a copy built with
 * scimmy's public constructors (Attribute, SchemaDefinition), identical except that it suggests nothing.
 * Both are built once at module load, never per request: scimmy's schema classes are process-wide
 * singletons.
 *
 * The bridge's own extension, GitLab's side of a user (issue 10 item 7), is described but not in the
 * validation set: every attribute is readOnly, so the dialect drops what clients send of it (RFC 7643
 * §2.2) and the applier refuses PATCH operations on it (RFC 7644 §3.5.2); it is never coerced.
 */
import SCIMMY from "scimmy";
import { GITLAB_GROUP_SCHEMA } from "../../provisioning/gitlab-group-state";
import { GITLAB_SYNC_STATES, GITLAB_USER_SCHEMA } from "../../provisioning/gitlab-user-state";

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SEARCH_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

const alreadyExtended = SCIMMY.Schemas.User.definition.attributes.some((a) => a.name === ENTERPRISE_USER_SCHEMA || a.name === "EnterpriseUser");
if (!alreadyExtended) SCIMMY.Schemas.User.extend(SCIMMY.Schemas.EnterpriseUser as never, false);

export const UserSchema = SCIMMY.Schemas.User;
export const GroupSchema = SCIMMY.Schemas.Group;
export const EnterpriseUserSchema = SCIMMY.Schemas.EnterpriseUser;
export { GITLAB_GROUP_SCHEMA, GITLAB_USER_SCHEMA, SCIMMY };

type Attribute = InstanceType<typeof SCIMMY.Types.Attribute>;
type SchemaDefinition = InstanceType<typeof SCIMMY.Types.SchemaDefinition>;

/** RFC 7643 §7 characteristics shared by every attribute of the GitLab extension: the server's to set, returned by default. */
const SERVER_SET = { mutable: false, returned: true, required: false } as const;

export const GitLabUserSchema = {
  definition: new SCIMMY.Types.SchemaDefinition("GitLabUser", GITLAB_USER_SCHEMA, "The GitLab user the bridge applied this user to, and how that went", [
    new SCIMMY.Types.Attribute("integer", "gitlabUserId", { ...SERVER_SET, uniqueness: "server", description: "Id of the linked GitLab user; absent until linked" }),
    new SCIMMY.Types.Attribute("string", "gitlabUsername", { ...SERVER_SET, description: "Username of the linked GitLab user (GitLab compares usernames case-insensitively)" }),
    new SCIMMY.Types.Attribute("string", "syncState", {
      ...SERVER_SET,
      canonicalValues: [...GITLAB_SYNC_STATES],
      description: "pending: changes not yet applied in GitLab (queued or in progress); synced: GitLab shows this user; failed: the bridge gave up retrying (see lastError); conflict: a person must resolve it (see lastError)",
    }),
    new SCIMMY.Types.Attribute("string", "lastError", { ...SERVER_SET, description: "Why the latest attempt failed or conflicted" }),
    new SCIMMY.Types.Attribute("dateTime", "lastSyncedAt", { ...SERVER_SET, description: "When GitLab last confirmed this user's state" }),
  ]),
};

/** The GitLab side of a SCIM group (issue 11 item 8): read-only like the user's, never validated nor stored. */
export const GitLabGroupSchema = {
  definition: new SCIMMY.Types.SchemaDefinition("GitLabGroup", GITLAB_GROUP_SCHEMA, "The GitLab groups this group's members are made members of, and how that went", [
    new SCIMMY.Types.Attribute(
      "complex",
      "gitlabGroups",
      { ...SERVER_SET, multiValued: true, description: "One entry per mapping rule that matches this group" },
      [
        new SCIMMY.Types.Attribute("string", "fullPath", { ...SERVER_SET, caseExact: false, description: "Full path of the GitLab group" }),
        new SCIMMY.Types.Attribute("integer", "gitlabGroupId", { ...SERVER_SET, description: "Id of the GitLab group; absent until the bridge has found or made it" }),
        new SCIMMY.Types.Attribute("string", "accessLevel", { ...SERVER_SET, canonicalValues: ["guest", "planner", "reporter", "developer", "maintainer", "owner"], description: "The access level the mapping grants" }),
        new SCIMMY.Types.Attribute("string", "syncState", {
          ...SERVER_SET,
          canonicalValues: [...GITLAB_SYNC_STATES],
          description: "pending: changes not yet applied in GitLab; synced: GitLab's memberships match; failed: the bridge gave up (see lastError); conflict: memberships a person must resolve (see lastError); held: a mass change waits for an admin",
        }),
        new SCIMMY.Types.Attribute("string", "lastError", { ...SERVER_SET, description: "Why the latest pass of the GitLab group failed or conflicted" }),
        new SCIMMY.Types.Attribute("dateTime", "lastSyncedAt", { ...SERVER_SET, description: "When GitLab last confirmed the GitLab group's memberships" }),
      ],
    ),
  ]),
};

/** The common attributes (schemas, id, externalId, meta) that every SchemaDefinition adds itself. */
const COMMON_ATTRIBUTES = new Set(["schemas", "id", "externalId", "meta"]);

function suggestingNothing(attribute: Attribute): Attribute {
  const subAttributes = (attribute.subAttributes ?? []).map(suggestingNothing);
  return new SCIMMY.Types.Attribute(attribute.type, attribute.name, { ...attribute.config, canonicalValues: false }, subAttributes);
}

function validationCopy(definition: SchemaDefinition): SchemaDefinition {
  const own = definition.attributes.filter((a): a is Attribute => a instanceof SCIMMY.Types.Attribute && !COMMON_ATTRIBUTES.has(a.name));
  return new SCIMMY.Types.SchemaDefinition(definition.name, definition.id, definition.description, own.map(suggestingNothing));
}

/** What POST, PUT and the result of a PATCH are coerced with: the described schemas, canonical values as suggestions. */
export const ValidationDefinitions = {
  User: validationCopy(UserSchema.definition).extend(validationCopy(EnterpriseUserSchema.definition), false),
  Group: validationCopy(GroupSchema.definition),
} as const;

/**
 * Whether the validation definition declares a top-level (or extension) attribute multi-valued, given
 * its JSON path from the attribute catalog (["emails"], [ENTERPRISE_USER_SCHEMA, "manager"], …).
 * Read from scimmy's definitions because the catalog's AttributeDef.multiValued is false throughout.
 */
export function declaresMultiValued(type: keyof typeof ValidationDefinitions, jsonPath: readonly string[]): boolean {
  const name = jsonPath[0].startsWith("urn:") ? `${jsonPath[0]}:${jsonPath[1]}` : jsonPath[0];
  return MULTI_VALUED[type].has(name);
}

/** Names (as the catalog's JSON paths spell them) of the multi-valued attributes, extension ones URN-qualified. */
const MULTI_VALUED = {
  User: multiValuedNames(ValidationDefinitions.User),
  Group: multiValuedNames(ValidationDefinitions.Group),
};

function multiValuedNames(definition: SchemaDefinition): ReadonlySet<string> {
  const names = new Set<string>();
  for (const attribute of definition.attributes as unknown[]) {
    if (attribute instanceof SCIMMY.Types.Attribute) {
      if (attribute.config.multiValued) names.add(attribute.name);
    } else if (attribute instanceof SCIMMY.Types.SchemaDefinition) {
      for (const name of multiValuedNames(attribute)) names.add(`${attribute.id}:${name}`);
    }
  }
  return names;
}
