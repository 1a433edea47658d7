/**
 * attributes / excludedAttributes (RFC 7644 §3.9, §3.4.2.5): which attributes a response carries.
 * `id` and `schemas` always go out. Names are resolved through the catalog, so they are
 * case-insensitive and may carry their schema URN; a `[filter]` suffix (`emails[type eq "work"]`,
 * sent by Microsoft's reference tests) selects the attribute. Unknown names are ignored.
 */
import type { ResolvedAttribute, ResourceCatalog } from "../schema/attribute-catalog";
import type { Projection } from "./list-request";

type Json = Record<string, unknown>;

function resolveAll(names: string[] | undefined, catalog: ResourceCatalog): { attributes: ResolvedAttribute[]; extensions: string[] } {
  const attributes: ResolvedAttribute[] = [];
  const extensions: string[] = [];
  for (const raw of names ?? []) {
    const name = raw.replace(/\[.*\]/, "");
    const extension = catalog.extensionSchemas.find((urn) => urn.toLowerCase() === name.toLowerCase());
    if (extension) extensions.push(extension);
    const resolved = catalog.resolve(name);
    if (resolved) attributes.push(resolved);
  }
  return { attributes, extensions };
}

/** Whether the response will contain top-level attribute `name` (to skip loading members/groups). */
export function projectionIncludes(projection: Projection, catalog: ResourceCatalog, name: string): boolean {
  if (projection.attributes) return resolveAll(projection.attributes, catalog).attributes.some((a) => !a.jsonPath[0].startsWith("urn:") && a.top.name === name);
  if (projection.excludedAttributes) return !resolveAll(projection.excludedAttributes, catalog).attributes.some((a) => !a.sub && a.top.name === name);
  return true;
}

export function projectResource(resource: Json, projection: Projection, catalog: ResourceCatalog): Json {
  if (projection.attributes) return pick(resource, resolveAll(projection.attributes, catalog));
  if (projection.excludedAttributes) return omit(resource, resolveAll(projection.excludedAttributes, catalog));
  return resource;
}

function pick(resource: Json, selection: { attributes: ResolvedAttribute[]; extensions: string[] }): Json {
  const out: Json = { schemas: resource.schemas, id: resource.id };
  for (const urn of selection.extensions) if (resource[urn] !== undefined) out[urn] = resource[urn];
  for (const attribute of selection.attributes) {
    const [first, second, third] = attribute.jsonPath;
    // Core: [top] or [top, sub]; extension: [urn, top] or [urn, top, sub].
    const isExtension = first.startsWith("urn:");
    const holder = isExtension ? ((out[first] ??= {}) as Json) : out;
    const source = isExtension ? ((resource[first] ?? {}) as Json) : resource;
    const top = isExtension ? second : first;
    const sub = isExtension ? third : second;
    const value = source[top];
    if (value === undefined) continue;
    if (sub === undefined) {
      holder[top] = value;
    } else if (Array.isArray(value)) {
      const existing = (Array.isArray(holder[top]) ? holder[top] : value.map(() => ({}))) as Json[];
      holder[top] = value.map((element, i) => (element?.[sub] === undefined ? existing[i] : { ...existing[i], [sub]: element[sub] }));
    } else if (typeof value === "object" && value !== null && (value as Json)[sub] !== undefined) {
      holder[top] = { ...((holder[top] as Json) ?? {}), [sub]: (value as Json)[sub] };
    }
  }
  for (const [key, value] of Object.entries(out)) if (key.startsWith("urn:") && typeof value === "object" && value && Object.keys(value).length === 0) delete out[key];
  return out;
}

function omit(resource: Json, selection: { attributes: ResolvedAttribute[]; extensions: string[] }): Json {
  const out: Json = { ...resource };
  for (const urn of selection.extensions) delete out[urn];
  for (const attribute of selection.attributes) {
    const path = attribute.jsonPath;
    if (path.length === 1 && (path[0] === "id" || path[0] === "schemas")) continue;
    const isExtension = path[0].startsWith("urn:");
    const holderKey = isExtension ? path[0] : undefined;
    const holder = holderKey ? (out[holderKey] = { ...((out[holderKey] as Json) ?? {}) }) as Json : out;
    const [top, sub] = isExtension ? path.slice(1) : path;
    if (sub === undefined) {
      delete holder[top];
    } else if (Array.isArray(holder[top])) {
      holder[top] = (holder[top] as Json[]).map(({ [sub]: _dropped, ...rest }) => rest);
    } else if (typeof holder[top] === "object" && holder[top] !== null) {
      const { [sub]: _dropped, ...rest } = holder[top] as Json;
      holder[top] = rest;
    }
  }
  return out;
}
