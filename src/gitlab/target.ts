/**
 * Which GitLab the bridge talks to. Production sets GITLAB_URL and GITLAB_TOKEN. Without them,
 * `npm start` runs against the bundled GitLab emulator (tools/gitlab-emulator) in-process, seeded with
 * a small company (bundled-seed.ts), so a newcomer can try the bridge with nothing else installed — and
 * says so loudly, because nothing done against the emulator reaches a real GitLab.
 */
import { startGitLabEmulator } from "../../tools/gitlab-emulator";
import type { Logger } from "../observability/logger";
import { BUNDLED_GROUP, BUNDLED_SEED } from "./bundled-seed";

export interface GitLabTarget {
  url: string;
  /** Admin token the bridge uses for GitLab API calls. Never logged. */
  token: string;
  emulated: boolean;
  close(): Promise<void>;
}

export async function startBundledGitLab(logger: Logger): Promise<GitLabTarget> {
  const emulator = await startGitLabEmulator({ port: 0, host: "127.0.0.1", seed: BUNDLED_SEED });
  logger.warn(
    {
      gitlabUrl: emulator.url,
      seeded: { group: BUNDLED_GROUP, users: BUNDLED_SEED.users!.map((u) => u.username) },
      next: "npm run cli -- connection create --name NAME --idp entra|okta|generic; then point the IdP at the SCIM URL with the printed token (stderr shows how)",
    },
    "GITLAB_URL is not set: using the BUNDLED GITLAB EMULATOR (in memory, for trying the bridge out). Nothing reaches a real GitLab; set GITLAB_URL and GITLAB_TOKEN for production.",
  );
  return { url: emulator.url, token: emulator.adminToken, emulated: true, close: () => emulator.close() };
}

/**
 * The start banner for a newcomer (printed on stderr: stdout carries JSON log lines only). It shows
 * the emulator's admin token, which is acceptable only because that token is the emulator's own,
 * generated for this run and valid nowhere else; a real GITLAB_TOKEN is never printed or logged.
 */
export function bundledGitLabBanner(opts: { gitlab: Pick<GitLabTarget, "url" | "token">; scimUrl: string }): string {
  const { url, token } = opts.gitlab;
  const rule = "-".repeat(100);
  const user = JSON.stringify({
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName: "bob.baker@acme.example",
    name: { givenName: "Bob", familyName: "Baker" },
    emails: [{ value: "bob.baker@acme.example", type: "work", primary: true }],
    active: true,
  });
  return [
    rule,
    " BUNDLED GITLAB EMULATOR: GITLAB_URL is not set, so the bridge talks to an in-memory GitLab emulator",
    " running inside this process. Nothing reaches a real GitLab, and the emulator's data is gone when the",
    " bridge stops. For production, set GITLAB_URL and GITLAB_TOKEN (an administrator's token).",
    "",
    ` GitLab emulator:  ${url}`,
    ` its admin token:  ${token}`,
    "                   (the emulator's own throwaway token, generated for this run and valid nowhere else;",
    "                   shown only for that reason: a real GITLAB_TOKEN is never printed)",
    ` list its users:   curl -s -H "PRIVATE-TOKEN: ${token}" ${url}/api/v4/users`,
    ` seeded:           group ${BUNDLED_GROUP} (and ${BUNDLED_GROUP}/engineering); users alice (SAML identity 00u1alice),`,
    "                   bob (bob.baker@acme.example), carol.cruz (carol@legacy.acme.example), dave (blocked by an admin)",
    "",
    " Try it:",
    "  1. Create an IdP connection; it prints the connection's SCIM bearer token once:",
    "       npm run cli -- connection create --name demo --idp entra|okta|generic",
    `  2. Point the IdP's SCIM provisioning (or curl) at ${opts.scimUrl} with that token, e.g.:`,
    `       curl -s -X POST ${opts.scimUrl}/Users -H "Authorization: Bearer $TOKEN" \\`,
    `         -H "Content-Type: application/scim+json" -d '${user}'`,
    "     bob.baker@acme.example is linked to the GitLab user bob by email, externalId 00u1alice to alice by",
    "     identity, userName carol.cruz@… to carol.cruz by username; anyone else gets a new GitLab user.",
    "  3. See what the bridge did: npm run cli -- status",
    rule,
    "",
  ].join("\n");
}
