/**
 * A PATCH on a group, recognised as a typed change (see provisioning/changes.ts): the IdP's member
 * push (member-delta.ts) stands on its own and needs neither the stored members nor the PATCH
 * applier; anything else is the applier (schema/patch-apply.ts) run on the group as read, whose result
 * is the group's new attributes and the members it adds and removes. Both are written by the same store call, so they answer alike
 * (a test runs every case both ways). With If-Match the general route serves: the group is read anyway.
 */
import type { Request } from "express";
import type { GroupChange } from "../../provisioning/changes";
import { diffMembers, groupFieldsFrom, memberIdsOf } from "../../provisioning/group-fields";
import type { GroupRecord } from "../../provisioning/group-store";
import type { ChangePlan } from "../http/version-rule";
import { applyPatch } from "../schema/validate";
import { groupResource } from "./group-resource";
import { memberDeltaOf } from "./member-delta";

export function groupPatchPlan(req: Request, id: string, base: string): ChangePlan<GroupRecord, GroupChange> {
  const delta = req.headers["if-match"] === undefined ? memberDeltaOf(id, req.body) : undefined;
  if (delta) return { fromCurrent: false, change: { members: delta } };
  return {
    fromCurrent: true,
    async changeOf(current) {
      // The read-only GitLab extension is the server's: a PATCH works on what the IdP owns.
      const { meta: _meta, ...patchable } = groupResource({ row: current.row, members: current.members }, base);
      const patched = await applyPatch("Group", patchable, req.body);
      if (patched === patchable) return null; // Okta re-sends the group's name with every push
      return { fields: groupFieldsFrom(patched), members: diffMembers(memberIdsOf(patchable), memberIdsOf(patched)) };
    },
  };
}
