/**
 * What the filter, sort and projection code needs to know about SCIM attributes: type, caseExact,
 * multiValued and sub-attributes, looked up case-insensitively (RFC 7643 §2.1: attribute names are
 * case-insensitive) and with or without the schema URN prefix. Built once from scimmy's schema
 * descriptions plus the common attributes (RFC 7643 §3.1) scimmy keeps outside them.
 */
import { ENTERPRISE_USER_SCHEMA, EnterpriseUserSchema, GITLAB_GROUP_SCHEMA, GITLAB_USER_SCHEMA, GitLabGroupSchema, GitLabUserSchema, GROUP_SCHEMA, GroupSchema, USER_SCHEMA, UserSchema } from "./scimmy-schemas";

export type AttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "binary" | "complex";

export interface AttributeDef {
  /** Canonical spelling. */
  readonly name: string;
  readonly type: AttributeType;
  readonly multiValued: boolean;
  readonly caseExact: boolean;
  /** RFC 7643 §7 mutability "readOnly", as the schema describes it. */
  readonly readOnly: boolean;
  readonly subAttributes: ReadonlyMap<string, AttributeDef>;
}

/** An attribute resolved against a resource type: where it lives in the JSON and how to compare it. */
export interface ResolvedAttribute {
  /** JSON keys from the resource root, e.g. ["name", "familyName"] or [ENTERPRISE_URN, "employeeNumber"]. */
  readonly jsonPath: readonly string[];
  /** Canonical dotted name without URN for core attributes, e.g. "name.familyName", "meta.created". */
  readonly canonical: string;
  /** The top-level (or extension top-level) attribute. */
  readonly top: AttributeDef;
  /** The sub-attribute when the path names one. */
  readonly sub?: AttributeDef;
}

export interface ResourceCatalog {
  readonly resourceType: "User" | "Group";
  readonly coreSchema: string;
  readonly extensionSchemas: readonly string[];
  /** Extensions whose every attribute is readOnly: the server's to set, never a client's. */
  readonly readOnlySchemas: readonly string[];
  resolve(path: string): ResolvedAttribute | undefined;
}

interface DescribedAttribute {
  name: string;
  type: AttributeType;
  multiValued?: boolean;
  caseExact?: boolean;
  mutability?: string;
  subAttributes?: DescribedAttribute[];
}

function toDef(a: DescribedAttribute): AttributeDef {
  const subs = new Map<string, AttributeDef>();
  for (const s of a.subAttributes ?? []) subs.set(s.name.toLowerCase(), toDef(s));
  return { name: a.name, type: a.type, multiValued: Boolean(a.multiValued), caseExact: Boolean(a.caseExact), readOnly: a.mutability === "readOnly", subAttributes: subs };
}

function indexed(attributes: DescribedAttribute[]): Map<string, AttributeDef> {
  const map = new Map<string, AttributeDef>();
  for (const a of attributes) map.set(a.name.toLowerCase(), toDef(a));
  return map;
}

const COMMON: DescribedAttribute[] = [
  { name: "id", type: "string", caseExact: true },
  { name: "externalId", type: "string", caseExact: true },
  {
    name: "meta",
    type: "complex",
    subAttributes: [
      { name: "resourceType", type: "string", caseExact: true },
      { name: "created", type: "dateTime" },
      { name: "lastModified", type: "dateTime" },
      { name: "location", type: "reference", caseExact: true },
      { name: "version", type: "string", caseExact: true },
    ],
  },
  { name: "schemas", type: "reference", multiValued: true, caseExact: true },
];

function describe(schema: { definition: { describe(basepath?: string): unknown } }): DescribedAttribute[] {
  // describe() hands out attribute objects whose plain fields come only through toJSON (multiValued,
  // caseExact … read as undefined on the objects themselves): take the JSON form.
  return (JSON.parse(JSON.stringify(schema.definition.describe("/Schemas"))) as { attributes: DescribedAttribute[] }).attributes;
}

function buildCatalog(resourceType: "User" | "Group", coreSchema: string, core: DescribedAttribute[], extensions: Record<string, DescribedAttribute[]>): ResourceCatalog {
  const coreAttributes = indexed([...COMMON, ...core]);
  const extensionAttributes = new Map<string, { urn: string; attributes: Map<string, AttributeDef> }>();
  for (const [urn, attributes] of Object.entries(extensions)) extensionAttributes.set(urn.toLowerCase(), { urn, attributes: indexed(attributes) });
  const cache = new Map<string, ResolvedAttribute | undefined>();

  function resolveIn(attributes: Map<string, AttributeDef>, dotted: string, urn: string | undefined): ResolvedAttribute | undefined {
    const [topName, subName, ...rest] = dotted.split(".");
    if (rest.length > 0 || !topName) return undefined;
    const top = attributes.get(topName.toLowerCase());
    if (!top) return undefined;
    if (subName === undefined) {
      return { jsonPath: urn ? [urn, top.name] : [top.name], canonical: urn ? `${urn}:${top.name}` : top.name, top };
    }
    const sub = top.subAttributes.get(subName.toLowerCase());
    if (!sub) return undefined;
    const jsonPath = urn ? [urn, top.name, sub.name] : [top.name, sub.name];
    return { jsonPath, canonical: urn ? `${urn}:${top.name}.${sub.name}` : `${top.name}.${sub.name}`, top, sub };
  }

  function resolveUncached(path: string): ResolvedAttribute | undefined {
    const lower = path.toLowerCase();
    if (lower.startsWith("urn:")) {
      if (lower.startsWith(coreSchema.toLowerCase() + ":")) return resolveIn(coreAttributes, path.slice(coreSchema.length + 1), undefined);
      for (const [key, ext] of extensionAttributes) {
        if (lower.startsWith(key + ":")) return resolveIn(ext.attributes, path.slice(key.length + 1), ext.urn);
      }
      return undefined;
    }
    return resolveIn(coreAttributes, path, undefined);
  }

  return {
    resourceType,
    coreSchema,
    extensionSchemas: Object.keys(extensions),
    readOnlySchemas: [...extensionAttributes.values()].filter((ext) => [...ext.attributes.values()].every((a) => a.readOnly)).map((ext) => ext.urn),
    resolve(path) {
      if (!cache.has(path)) {
        // Bounded: attribute names come from requests; never let the cache grow without limit.
        if (cache.size > 1000) cache.clear();
        cache.set(path, resolveUncached(path));
      }
      return cache.get(path);
    },
  };
}

export const userCatalog = buildCatalog("User", USER_SCHEMA, describe(UserSchema), {
  [ENTERPRISE_USER_SCHEMA]: describe(EnterpriseUserSchema),
  [GITLAB_USER_SCHEMA]: describe(GitLabUserSchema),
});
export const groupCatalog = buildCatalog("Group", GROUP_SCHEMA, describe(GroupSchema), { [GITLAB_GROUP_SCHEMA]: describe(GitLabGroupSchema) });
