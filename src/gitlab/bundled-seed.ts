/**
 * What the bundled GitLab emulator holds when `npm start` runs without GITLAB_URL: a small company, so
 * that a newcomer's first SCIM requests show each way the bridge meets GitLab users — a user linked by
 * identity (alice: the SAML identity an IdP's externalId names), by email (bob: the address an IdP
 * sends), by username (carol.cruz: a different address, the same name), a user an admin blocked
 * (dave: the bridge never unblocks him), and anyone else created. The banner (target.ts) names them.
 */
import type { Seed } from "../../tools/gitlab-emulator";

export const BUNDLED_GROUP = "acme";

export const BUNDLED_SEED: Seed = {
  users: [
    { username: "alice", name: "Alice Archer", email: "alice.archer@acme.example", identities: [{ provider: "saml", externUid: "00u1alice" }] },
    { username: "bob", name: "Bob Baker", email: "bob.baker@acme.example" },
    { username: "carol.cruz", name: "Carol Cruz", email: "carol@legacy.acme.example" },
    { username: "dave", name: "Dave Dunn", email: "dave.dunn@acme.example", state: "blocked", identities: [{ provider: "saml", externUid: "00u1dave" }] },
  ],
  groups: [
    { path: BUNDLED_GROUP, name: "ACME", description: "Seeded by gitlab-scim-bridge's bundled emulator", members: [{ username: "root", accessLevel: 50 }] },
    { path: "engineering", parent: BUNDLED_GROUP, name: "Engineering", members: [{ username: "alice", accessLevel: 30 }] },
  ],
};
