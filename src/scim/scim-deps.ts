/**
 * What the SCIM surface is given: configuration and the interfaces of what lies beneath it (the
 * desired-state stores, the token verifier), never a database handle or query-builder objects.
 */
import type { Config } from "../config";
import type { TokenVerifier } from "../connections/token-verifier";
import type { GroupStore } from "../provisioning/group-store";
import type { UserStore } from "../provisioning/user-store";

export interface ScimDeps {
  config: Config;
  users: UserStore;
  groups: GroupStore;
  tokens: TokenVerifier;
}
