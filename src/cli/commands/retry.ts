/**
 * `retry SUBJECT | --all-failed`: makes parked subjects due again with a fresh retry budget
 * (src/reconcile/queue.ts retry), each recorded as the audit event "reconcile.retried". SUBJECT is a
 * SCIM id (a user's or group's), or a user's userName together with --connection (a deleted user's too:
 * a parked offboarding is the retry that matters most). Inside the server the workers are woken at once.
 */
import { ConnectionError, requireConnectionByName } from "../../connections/connections";
import { retry, type QueueItem, type RetryTarget } from "../../reconcile/queue";
import type { SubjectType } from "../../provisioning/sql/mark-subjects";
import { defineCommand, type CommandContext } from "../command";
import { UsageError } from "../errors";
import { optionalString } from "../options";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Args = { subject: string; connection?: string } | { allFailed: true; connection?: string };

interface Subject {
  subjectType: SubjectType;
  subjectId: string;
  state: string;
}

export const retryCommand = defineCommand({
  name: "retry",
  summary: "Make parked (failed) subjects due again with a fresh retry budget",
  synopsis: "SUBJECT | --all-failed [--connection NAME]",
  optionHelp: [
    "SUBJECT             a SCIM user or group id, or a user's userName (needs --connection)",
    "--all-failed        every parked subject (of --connection, if given)",
    "--connection NAME   the connection SUBJECT belongs to, or to which --all-failed is limited",
  ],
  options: { "all-failed": { type: "boolean" }, connection: { type: "string" } },
  positional: "subject",
  parse(values): Args {
    const connection = optionalString(values, "connection");
    const subject = optionalString(values, "subject");
    const allFailed = values["all-failed"] === true;
    if (subject !== undefined && allFailed) throw new UsageError("give either a SUBJECT or --all-failed, not both");
    if (allFailed) return { allFailed: true, connection };
    if (subject === undefined) throw new UsageError("give a SUBJECT (a SCIM id, or a userName with --connection NAME) or --all-failed");
    if (!UUID.test(subject) && connection === undefined) {
      throw new UsageError(`"${subject}" is not a SCIM id; to name a user by userName, add --connection NAME`);
    }
    return { subject, connection };
  },
  async run(ctx, args) {
    const connectionId = args.connection === undefined ? undefined : (await requireConnectionByName(ctx.db.prisma, args.connection)).id;
    const now = new Date();
    const audit = { actor: ctx.actor };
    let retried: QueueItem[];
    let notParked: Subject[] = [];
    if ("allFailed" in args) {
      retried = await retry(ctx.db.direct, { allParked: true, connectionId } satisfies RetryTarget, now, audit);
    } else {
      const subjects = await findSubjects(ctx, args.subject, connectionId, args.connection);
      retried = [];
      for (const s of subjects.filter((s) => s.state === "parked")) retried.push(...(await retry(ctx.db.direct, { subjectType: s.subjectType, subjectId: s.subjectId }, now, audit)));
      notParked = subjects.filter((s) => !retried.some((r) => r.subjectId === s.subjectId && r.subjectType === s.subjectType));
    }
    if (retried.length > 0) ctx.wake?.();
    return {
      retried: retried.length,
      subjects: retried.map((r) => ({ subjectType: r.subjectType, subjectId: r.subjectId, lastError: r.lastError })),
      notParked: notParked.map((s) => ({ subjectType: s.subjectType, subjectId: s.subjectId, state: s.state })),
      allFailed: "allFailed" in args,
      connection: args.connection ?? null,
    };
  },
  format(result, { json }) {
    if (json) return { stdout: `${JSON.stringify(result)}\n` };
    const scope = result.connection ? ` of connection "${result.connection}"` : "";
    const lines: string[] = [];
    if (result.retried > 0) lines.push(`Made ${result.retried} parked subject(s)${scope} due again; the reconcilers retry them now with a fresh budget.`);
    else if (result.allFailed) lines.push(`No parked subjects${scope}: nothing to retry.`);
    for (const s of result.notParked) lines.push(`Nothing to retry for ${s.subjectType} ${s.subjectId}: it is ${s.state}, not parked.`);
    return { stdout: `${lines.join("\n")}\n` };
  },
});

/** The queue items SUBJECT names; a ConnectionError when it names none. */
async function findSubjects(ctx: CommandContext, subject: string, connectionId: string | undefined, connectionName: string | undefined): Promise<Subject[]> {
  let ids: string[];
  if (UUID.test(subject)) ids = [subject.toLowerCase()];
  else {
    // Live users and tombstones alike: a deleted user's parked deprovisioning is retried by its userName too.
    const users = await ctx.db.prisma.$queryRawUnsafe<Array<{ id: string }>>(
      `SELECT "id" FROM "ScimUser" WHERE "connectionId" = $1::uuid AND lower("userName") = lower($2)`,
      connectionId,
      subject,
    );
    if (users.length === 0) throw new ConnectionError(`connection "${connectionName}" has no user with userName "${subject}"`);
    ids = users.map((u) => u.id);
  }
  const items = await ctx.db.prisma.reconcileItem.findMany({
    where: { subjectId: { in: ids }, ...(connectionId ? { connectionId } : {}) },
    select: { subjectType: true, subjectId: true, state: true },
  });
  if (items.length === 0) {
    throw new ConnectionError(`nothing is queued for ${UUID.test(subject) ? `SCIM id ${subject}` : `"${subject}"`}${connectionName ? ` in connection "${connectionName}"` : ""}; see \`status\``);
  }
  return items.map((i) => ({ subjectType: i.subjectType as SubjectType, subjectId: i.subjectId, state: i.state }));
}
