/**
 * What the SCIM surface is given: configuration and the interfaces of what lies beneath it (the
 * desired-state stores, the token verifier), never a database handle or query-builder objects.
 */
import type { Config } from "../config";
import type { TokenVerifier } from "../connections/token-verifier";
import type { Database } from "../db/database";
import type { GroupStore } from "../provisioning/group-store";
import type { UserStore } from "../provisioning/user-store";

export interface ScimDeps {
  config: Config;
  users: UserStore;
  groups: GroupStore;
  tokens: TokenVerifier;
  /**
   * Transitional, for the list sources only (users/user-list-source.ts, groups/group-list-source.ts),
   * until the stores answer searches themselves; nothing else in src/scim may use it.
   */
  listing: Database;
}
