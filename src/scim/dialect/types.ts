/** Shapes shared by the dialect layer and its callers. */
export type ScimResourceType = "User" | "Group";

export interface PatchOperation {
  op: string;
  path?: string;
  value?: unknown;
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
