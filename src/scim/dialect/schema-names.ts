/**
 * The attribute names of the schemas the bridge serves (RFC 7643 §4.1, §4.2, §4.3), so that the dialect
 * layer can spell them the one canonical way. RFC 7643 §2.1 makes attribute names case-insensitive, and
 * IdPs use that (Microsoft's suite sends `DisplayName`, `name.FamilyName`, `"Primary": true`), but scimmy
 * and SQL column maps compare them exactly. Unknown names are left as they are: validation decides.
 */
import { GITLAB_GROUP_SCHEMA } from "../../provisioning/gitlab-group-state";
import { GITLAB_USER_SCHEMA } from "../../provisioning/gitlab-user-state";
import type { ScimResourceType } from "./types";

export { GITLAB_USER_SCHEMA };
export const CORE_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const CORE_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";

const MULTI_VALUED_SUBS = ["value", "display", "type", "primary"];
const META_SUBS = ["resourceType", "created", "lastModified", "location", "version"];

/** Attribute name → its sub-attribute names ([] for simple attributes). */
type AttributeTable = Readonly<Record<string, readonly string[]>>;

const USER_CORE: AttributeTable = {
  id: [], externalId: [], meta: META_SUBS, userName: [],
  name: ["formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"],
  displayName: [], nickName: [], profileUrl: [], title: [], userType: [], preferredLanguage: [], locale: [],
  timezone: [], active: [], password: [],
  emails: MULTI_VALUED_SUBS, phoneNumbers: MULTI_VALUED_SUBS, ims: MULTI_VALUED_SUBS, photos: MULTI_VALUED_SUBS,
  addresses: ["formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary"],
  groups: ["value", "$ref", "display", "type"],
  entitlements: MULTI_VALUED_SUBS, roles: MULTI_VALUED_SUBS, x509Certificates: MULTI_VALUED_SUBS,
};

const ENTERPRISE_USER: AttributeTable = {
  employeeNumber: [], costCenter: [], organization: [], division: [], department: [],
  manager: ["value", "$ref", "displayName"],
};

/** The bridge's own read-only extension: what it applied in GitLab (issue 10 item 7). */
const GITLAB_USER: AttributeTable = {
  gitlabUserId: [], gitlabUsername: [], syncState: [], lastError: [], lastSyncedAt: [],
};

/** The bridge's read-only extension on groups: the GitLab groups the mappings point at (issue 11 item 8). */
const GITLAB_GROUP: AttributeTable = {
  gitlabGroups: ["fullPath", "gitlabGroupId", "accessLevel", "syncState", "lastError", "lastSyncedAt"],
};

const GROUP_CORE: AttributeTable = {
  id: [], externalId: [], meta: META_SUBS, displayName: [], members: ["value", "$ref", "display", "type"],
};

interface SchemaNames {
  core: AttributeTable;
  /** Extension URN → its attributes. */
  extensions: Readonly<Record<string, AttributeTable>>;
  /**
   * Extensions whose every attribute the server owns (mutability readOnly): what a client sends of
   * them in a resource body is ignored (RFC 7643 §2.2), never stored.
   */
  serverOwned: ReadonlySet<string>;
  /** Canonical dotted paths of boolean attributes: the ones IdPs send as "True"/"False". */
  booleans: ReadonlySet<string>;
  /** Multi-valued complex attributes, whose entries a value filter can select. */
  multiValued: ReadonlySet<string>;
}

const USER_NAMES: SchemaNames = {
  core: USER_CORE,
  extensions: { [ENTERPRISE_USER_SCHEMA]: ENTERPRISE_USER, [GITLAB_USER_SCHEMA]: GITLAB_USER },
  serverOwned: new Set([GITLAB_USER_SCHEMA]),
  booleans: new Set(["active", ...["emails", "phoneNumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509Certificates"].map((a) => `${a}.primary`)]),
  multiValued: new Set(["emails", "phoneNumbers", "ims", "photos", "addresses", "groups", "entitlements", "roles", "x509Certificates"]),
};

const GROUP_NAMES: SchemaNames = {
  core: GROUP_CORE,
  extensions: { [GITLAB_GROUP_SCHEMA]: GITLAB_GROUP },
  serverOwned: new Set([GITLAB_GROUP_SCHEMA]),
  booleans: new Set(),
  multiValued: new Set(["members"]),
};

export function schemaNames(type: ScimResourceType): SchemaNames {
  return type === "User" ? USER_NAMES : GROUP_NAMES;
}

export function coreSchemaOf(type: ScimResourceType): string {
  return type === "User" ? CORE_USER_SCHEMA : CORE_GROUP_SCHEMA;
}

function findName(candidates: Iterable<string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const candidate of candidates) if (candidate.toLowerCase() === lower) return candidate;
  return undefined;
}

/** The canonical spelling of a known schema URN of this resource type (URNs compare case-insensitively). */
export function canonicalSchemaUrn(type: ScimResourceType, urn: string): string | undefined {
  return findName([coreSchemaOf(type), ...Object.keys(schemaNames(type).extensions)], urn);
}

/**
 * The server-owned extension a body key belongs to: the extension object itself
 * (`urn:…:gitlab:2.0:User`) or one of its attributes flattened (`urn:…:gitlab:2.0:User:syncState`).
 */
export function serverOwnedExtensionOf(type: ScimResourceType, key: string): string | undefined {
  const lower = key.toLowerCase();
  for (const urn of schemaNames(type).serverOwned) {
    if (lower === urn.toLowerCase() || lower.startsWith(`${urn.toLowerCase()}:`)) return urn;
  }
  return undefined;
}

/** The attribute table a (canonical) schema URN stands for; undefined for the core schema's own URN prefix. */
export function attributesOf(type: ScimResourceType, urn?: string): AttributeTable {
  const names = schemaNames(type);
  if (!urn || urn === coreSchemaOf(type)) return names.core;
  return Object.hasOwn(names.extensions, urn) ? names.extensions[urn] : {};
}

/** `name` spelled as in `table`, or unchanged when unknown. */
export function canonicalAttribute(table: AttributeTable, name: string): string {
  return findName(Object.keys(table), name) ?? name;
}

/** `sub` spelled as a sub-attribute of `attribute` in `table`, or unchanged when unknown. */
export function canonicalSubAttribute(table: AttributeTable, attribute: string, sub: string): string {
  // Own keys only: a request may name `constructor` or `__proto__`.
  return findName(Object.hasOwn(table, attribute) ? table[attribute] : [], sub) ?? sub;
}

/**
 * Splits an attribute path such as `urn:…:enterprise:2.0:User:manager.value` or `name.givenName` into its
 * schema URN (canonical, or undefined for core), attribute and sub-attribute, all canonically spelled.
 */
export function splitAttributePath(type: ScimResourceType, path: string): { urn?: string; attribute: string; sub?: string } {
  let urn: string | undefined;
  let rest = path;
  if (/^urn:/i.test(path)) {
    const known = [coreSchemaOf(type), ...Object.keys(schemaNames(type).extensions)].find((u) => path.toLowerCase().startsWith(`${u.toLowerCase()}:`));
    // An unknown schema's attribute: its URN has dots of its own ("2.0"), so do not split it.
    if (!known) return { attribute: path };
    urn = known === coreSchemaOf(type) ? undefined : known;
    rest = path.slice(known.length + 1);
  }
  const table = attributesOf(type, urn);
  const [head, ...subs] = rest.split(".");
  const attribute = canonicalAttribute(table, head);
  const sub = subs.length ? canonicalSubAttribute(table, attribute, subs.join(".")) : undefined;
  return { urn, attribute, sub };
}

export function joinAttributePath(parts: { urn?: string; attribute: string; sub?: string }): string {
  const local = parts.sub === undefined ? parts.attribute : `${parts.attribute}.${parts.sub}`;
  return parts.urn ? `${parts.urn}:${local}` : local;
}

export function canonicalAttributePath(type: ScimResourceType, path: string): string {
  return joinAttributePath(splitAttributePath(type, path));
}
