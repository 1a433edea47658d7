/**
 * Which GitLab the bridge talks to. Production sets GITLAB_URL and GITLAB_TOKEN. Without them,
 * `npm start` runs against the bundled GitLab emulator (tools/gitlab-emulator) in-process, so a
 * newcomer can try the bridge with nothing else installed — and says so loudly, because nothing done
 * against the emulator reaches a real GitLab.
 */
import { startGitLabEmulator } from "../../tools/gitlab-emulator";
import type { Logger } from "../observability/logger";

export interface GitLabTarget {
  url: string;
  /** Admin token the bridge uses for GitLab API calls. Never logged. */
  token: string;
  emulated: boolean;
  close(): Promise<void>;
}

export async function startBundledGitLab(logger: Logger): Promise<GitLabTarget> {
  const emulator = await startGitLabEmulator({ port: 0, host: "127.0.0.1" });
  logger.warn(
    { gitlabUrl: emulator.url },
    "GITLAB_URL is not set: using the BUNDLED GITLAB EMULATOR (in memory, for trying the bridge out). Nothing reaches a real GitLab; set GITLAB_URL and GITLAB_TOKEN for production.",
  );
  return { url: emulator.url, token: emulator.adminToken, emulated: true, close: () => emulator.close() };
}
