/**
 * The typed changes the stores apply: what a SCIM PUT or PATCH asks, once recognised. Each kind says
 * whether it was computed from what the caller read (then the write is conditioned on that version)
 * or stands on its own against whatever is stored (an activation, a membership delta).
 */
import type { GroupFields } from "./group-fields";
import type { UserFields } from "./user-fields";

export type UserChange =
  /** Only `active` (HR offboarding's PATCH): the rest of the user stays as stored. */
  | { kind: "active"; active: boolean }
  /** Every attribute (a PUT, or the result of a PATCH applied to the user as read). */
  | { kind: "fields"; fields: UserFields };

export interface MemberChange {
  add: readonly string[];
  /** Ids to remove, or "others": every member not in `add` (the group's members become exactly `add`). */
  remove: readonly string[] | "others";
}

export interface GroupChange {
  /** Every attribute but members; absent: the attributes stay as stored. */
  fields?: GroupFields;
  members: MemberChange;
}

/** The audit verb of a change, by the request that asked for it. */
export type ChangeAction = "replaced" | "patched";
