/**
 * `approve HOLD_ID` and `discard HOLD_ID`: an admin's decision on a mass-change hold
 * (src/reconcile/holds.ts), by id or unique prefix, audited with the actor. Approve makes the held
 * passes due at once (inside the server the workers are woken); discard parks them with the reason.
 */
import { approveHold, discardHold, type HoldDecision } from "../../reconcile/holds";
import { defineCommand, type JsonValue } from "../command";
import { UsageError } from "../errors";
import { optionalString } from "../options";

function parseHoldId(values: Record<string, string | boolean | undefined>, verb: string): { hold: string } {
  const hold = optionalString(values, "hold");
  if (hold === undefined) throw new UsageError(`${verb} needs a HOLD_ID (see \`holds\`)`);
  return { hold };
}

function result(decision: HoldDecision): { [key: string]: JsonValue } {
  return JSON.parse(JSON.stringify({ hold: decision.hold, items: decision.items })) as { [key: string]: JsonValue };
}

export const approveCommand = defineCommand({
  name: "approve",
  summary: "Approve a mass-change hold: the passes it stopped go ahead now",
  synopsis: "HOLD_ID",
  optionHelp: ["HOLD_ID             the hold's id, or a unique prefix of it (see `holds`)"],
  options: {},
  positional: "hold",
  parse: (values) => parseHoldId(values, "approve"),
  async run(ctx, args) {
    const decision = await approveHold(ctx.db.direct, args.hold, { actor: ctx.actor }, new Date());
    if (decision.items > 0) ctx.wake?.();
    return result(decision);
  },
  format(r, { json }) {
    if (json) return { stdout: `${JSON.stringify(r)}\n` };
    const hold = r.hold as { id: string; summary: string };
    return { stdout: `Approved hold ${hold.id} (${hold.summary}): ${r.items} held subject(s) go ahead now.\n` };
  },
});

export const discardCommand = defineCommand({
  name: "discard",
  summary: "Discard a mass-change hold: the passes it stopped are parked until the IdP sends a change or someone retries them",
  synopsis: "HOLD_ID",
  optionHelp: ["HOLD_ID             the hold's id, or a unique prefix of it (see `holds`)"],
  options: {},
  positional: "hold",
  parse: (values) => parseHoldId(values, "discard"),
  async run(ctx, args) {
    return result(await discardHold(ctx.db.direct, args.hold, { actor: ctx.actor }, new Date()));
  },
  format(r, { json }) {
    if (json) return { stdout: `${JSON.stringify(r)}\n` };
    const hold = r.hold as { id: string; summary: string };
    return { stdout: `Discarded hold ${hold.id} (${hold.summary}): ${r.items} held subject(s) parked; \`retry\` or a new change from the IdP brings them back.\n` };
  },
});
