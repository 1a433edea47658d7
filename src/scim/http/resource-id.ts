/** Resource ids are UUIDs; anything else cannot exist, and must not reach a uuid column as SQL. */
import { notFound } from "../errors";
import { isUuid } from "../../provisioning/uuid";

export function requireResourceId(raw: string | undefined, resourceType: "User" | "Group"): string {
  if (!raw || !isUuid(raw)) throw notFound(`${resourceType} ${raw ?? ""} not found`);
  return raw.toLowerCase();
}
