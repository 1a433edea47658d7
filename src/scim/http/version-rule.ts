/**
 * The one concurrency rule for every write to an existing user or group (PUT, PATCH, DELETE):
 *
 * - If-Match pins a version: the resource is read, a mismatch is 412, and the write happens only while
 *   the resource still has that version (a lost race is 412 too: the client asked for that version).
 * - A change computed from the resource as read (a PATCH through the general applier) is written only while the
 *   resource still has the version read; when another write slipped in between, the change is
 *   computed again on the fresh resource, up to ATTEMPTS times.
 * - A change that stands on its own (a PUT, an activation, a membership delta) needs no read and is
 *   applied to whatever is stored: it cannot lose a race.
 *
 * So no request without If-Match loses another's update, and none with it overwrites a version it did
 * not see. The stores report a moved version as ProvisioningError "versionMismatch".
 */
import type { Request } from "express";
import { ProvisioningError } from "../../provisioning/provisioning-error";
import { ScimError } from "../errors";
import { requireIfMatch } from "./etag";

const ATTEMPTS = 10;

interface Versioned {
  row: { version: number };
}

/** How a request's change comes about: on its own, or from the resource as read (null: it changes nothing). */
export type ChangePlan<R, C> = { fromCurrent: false; change: C } | { fromCurrent: true; changeOf(current: R): Promise<C | null> };

export interface VersionedWrite<R extends Versioned, C, Out> {
  read(): Promise<R | null>;
  plan: ChangePlan<R, C>;
  write(change: C, expectedVersion: number | undefined): Promise<Out | null>;
  /** The answer when the change changes nothing: the resource as read. */
  unchanged(current: R): Out;
}

/** Null when the resource does not exist. */
export async function writeUnderVersionRule<R extends Versioned, C, Out>(req: Request, steps: VersionedWrite<R, C, Out>): Promise<Out | null> {
  const { plan } = steps;
  const mustRead = plan.fromCurrent || req.headers["if-match"] !== undefined;
  for (let attempt = 1; ; attempt++) {
    const current = mustRead ? await steps.read() : null;
    if (mustRead && !current) return null;
    const pinned = current ? requireIfMatch(req, current.row.version) : undefined;
    const change = plan.fromCurrent ? await plan.changeOf(current!) : plan.change;
    if (change === null) return steps.unchanged(current!);
    try {
      return await steps.write(change, pinned ?? (plan.fromCurrent ? current!.row.version : undefined));
    } catch (error) {
      const lostRace = error instanceof ProvisioningError && error.reason === "versionMismatch";
      if (!lostRace || pinned !== undefined) throw error;
      if (attempt >= ATTEMPTS) throw new ScimError(409, undefined, `The resource was changed by ${ATTEMPTS} other requests while this one was applied; send it again`);
    }
  }
}
