/**
 * How one resource type is stored, as the predicate and sort compilers need to know it: which JSON
 * paths of the served resource have a column of their own (indexed, or not kept in the resource
 * JSON at all), which multi-valued attributes live in rows of another table, and where the rest of
 * the resource is (a jsonb column). Paths not named here are read from the resource JSON.
 */
import type { Predicate } from "./predicate";

/**
 * key: lower-cased text written by the application (userNameKey, displayNameKey, valueKey), compared
 * with lower-cased values, index-friendly; text: raw text; uuid: an id (values that are not UUIDs
 * equal nothing); boolean; integer; timestamp (timestamptz).
 */
export type ColumnKind = "key" | "text" | "uuid" | "boolean" | "integer" | "timestamp";

export interface Column {
  readonly sql: string;
  readonly kind: ColumnKind;
  /** The column can be NULL (the attribute absent): comparisons guard it so they are never SQL NULL. */
  readonly nullable: boolean;
}

/** A multi-valued complex attribute kept as rows of another table (emails, groups, members). */
export interface Relation {
  /** `<table> <alias> WHERE <join to the outer row>`: the rows that are the attribute's elements. */
  readonly from: string;
  /** The elements' order in the served resource (RFC 7644 §3.4.2.3 takes the primary, else the first). */
  readonly order: string;
  /** The element's sub-attribute `name` as a column; undefined: elements never have it. */
  element(name: string): Column | undefined;
  /**
   * The attribute is also in the resource JSON and these rows only index part of it: filters the
   * rows cannot answer exactly (see `answers`) and sorts read the JSON instead.
   */
  readonly inResource: boolean;
  answers(where: Predicate): boolean;
}

export interface Storage {
  /** Alias of the resource's row in every statement. */
  readonly alias: string;
  /**
   * FROM-clause joins to the row that some columns read ("" for none): LEFT JOINs on unique keys
   * only, so each row stays one row and PostgreSQL drops a join whose columns a statement does not use.
   */
  readonly joins: string;
  /** The jsonb column holding the resource. */
  readonly resource: string;
  /** A column for the dotted path ("name.familyName"), or "absent" for an attribute that is never stored. */
  column(path: string): Column | "absent" | undefined;
  relation(path: string): Relation | undefined;
}

export const column = (sql: string, kind: ColumnKind, nullable: boolean): Column => ({ sql, kind, nullable });

/** The common attributes (RFC 7643 §3.1), stored alike for every resource type in row `alias`. */
export function commonColumns(alias: string, resourceType: string): Record<string, Column | "absent"> {
  return {
    id: column(`${alias}."id"`, "uuid", false),
    externalId: column(`${alias}."externalId"`, "text", true),
    meta: column(`${alias}."createdAt"`, "timestamp", false),
    "meta.created": column(`${alias}."createdAt"`, "timestamp", false),
    "meta.lastModified": column(`${alias}."updatedAt"`, "timestamp", false),
    "meta.resourceType": column(`'${resourceType}'::text`, "text", false),
    "meta.version": column(`('W/"' || ${alias}."version" || '"')`, "text", false),
    // Built from the request's base URL, which the store does not know.
    "meta.location": "absent",
  };
}
