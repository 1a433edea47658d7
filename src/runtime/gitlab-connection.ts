/**
 * The bridge's one GitLab client and what it knows about GitLab, assembled for main.ts: the client
 * (GITLAB_TIMEOUT_MS, GITLAB_CONCURRENCY, its breaker), the status /readyz shows, and the start-up
 * check, whose success is recorded as the audit event "gitlab.connected" (which GitLab, which version,
 * whose token). Throws GitLabRefusedError when the start must stop (src/gitlab/startup-check.ts).
 */
import { insertAuditEvent } from "../audit/audit";
import type { Config } from "../config";
import type { Database } from "../db/database";
import { createGitLabClient, type GitLabCallRecord, type GitLabClient } from "../gitlab/client";
import { GitLabStatus } from "../gitlab/gitlab-status";
import { startGitLabCheck } from "../gitlab/startup-check";
import type { GitLabTarget } from "../gitlab/target";
import type { Logger } from "../observability/logger";

export interface GitLabConnection {
  client: GitLabClient;
  status: GitLabStatus;
  close(): Promise<void>;
}

export async function connectGitLab(opts: {
  target: GitLabTarget;
  config: Config;
  db: Database;
  logger: Logger;
  /** Every GitLab call's outcome (the reconcilers' audit trail). */
  onCall?: (record: GitLabCallRecord) => void;
}): Promise<GitLabConnection> {
  const { target, config, db, logger } = opts;
  const client = createGitLabClient({
    url: target.url,
    token: target.token,
    timeoutMs: config.gitlabTimeoutMs,
    concurrency: config.gitlabConcurrency,
    endpointLimits: { members_delete: config.gitlabMembersDeletePerMinute },
    logger,
    onCall: opts.onCall,
  });
  const status = new GitLabStatus(target.url, target.emulated, () => client.breakerState);
  try {
    const check = await startGitLabCheck({
      client,
      status,
      logger,
      onConnected: (result) =>
        insertAuditEvent(db.prisma, {
          at: new Date(),
          actor: "bridge",
          action: "gitlab.connected",
          subjectType: "gitlab",
          subjectId: target.url,
          details: { url: target.url, emulated: target.emulated, version: result.version, revision: result.revision, tokenOwner: result.tokenOwner },
        }),
    });
    return {
      client,
      status,
      async close() {
        await check.stop();
        client.close();
      },
    };
  } catch (error) {
    client.close();
    throw error;
  }
}
