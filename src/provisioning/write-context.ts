/** Who writes, for which connection, when: passed into every store write (the clock comes in too). */
export interface WriteContext {
  readonly connectionId: string;
  /** Audit actor, e.g. "scim:gsb_AbCdEf". */
  readonly actor: string;
  readonly requestId?: string;
  readonly now: Date;
}
