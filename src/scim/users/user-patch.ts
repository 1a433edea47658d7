/**
 * A PATCH on a user, recognised as a typed change (see provisioning/changes.ts): HR offboarding's
 * activation or deactivation (active-change.ts) stands on its own and needs neither the stored user
 * nor the PATCH applier; anything else is the applier (schema/patch-apply.ts) run on the user as
 * read, whose result is the user's new attributes. Both are written by the same store call, so they answer alike (a test runs
 * every case both ways). With If-Match the general route serves: the user is read anyway.
 */
import type { Request } from "express";
import type { UserChange } from "../../provisioning/changes";
import { userFieldsFrom } from "../../provisioning/user-fields";
import type { UserRecord } from "../../provisioning/user-store";
import type { ChangePlan } from "../http/version-rule";
import { applyPatch } from "../schema/validate";
import { activeChangeOf } from "./active-change";
import { userResource } from "./user-resource";

export function userPatchPlan(req: Request, id: string, base: string): ChangePlan<UserRecord, UserChange> {
  const active = req.headers["if-match"] === undefined ? activeChangeOf(id, req.body) : undefined;
  if (active !== undefined) return { fromCurrent: false, change: { kind: "active", active } };
  return {
    fromCurrent: true,
    async changeOf(current) {
      // Without the read-only `groups` (read for the answer): they are no attribute a PATCH sets.
      const { meta: _meta, ...patchable } = userResource({ row: current.row }, base);
      const patched = await applyPatch("User", patchable, req.body);
      return patched === patchable ? null : { kind: "fields", fields: userFieldsFrom(patched) };
    },
  };
}
