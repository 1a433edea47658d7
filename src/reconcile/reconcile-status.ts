/**
 * What an operator asks first when provisioning seems stuck, per connection: how much work is in each
 * queue state, how the users stand in GitLab (GitLabUserLink.syncState), and which subjects are parked
 * — with the error they were parked with, why, after how many attempts, and who they are in SCIM and
 * in GitLab — newest first and bounded; the GitLab groups (mapping targets) by sync state, and the
 * mass-change holds waiting for a decision, with their summary and numbers. Reads only.
 */
import type { Database } from "../db/database";
import type { SubjectType } from "../provisioning/sql/mark-subjects";
import { listHolds, type ListedHold } from "./holds";
import { countByState, listParked, type ParkReason, type QueueState } from "./queue";

export { GITLAB_SYNC_STATES as SYNC_STATES, type GitLabSyncState as SyncState } from "../provisioning/gitlab-user-state";
import { GITLAB_SYNC_STATES as SYNC_STATES, type GitLabSyncState as SyncState } from "../provisioning/gitlab-user-state";

export interface ParkedSubject {
  subjectType: SubjectType;
  subjectId: string;
  /** The SCIM userName (users) or displayName (groups); null if the row is gone. */
  name: string | null;
  /** Deleted over SCIM (a tombstone whose deprovisioning is parked). */
  deleted: boolean;
  gitlabUserId: number | null;
  gitlabUsername: string | null;
  parkedReason: ParkReason | null;
  attempts: number;
  lastError: string | null;
  lastErrorAt: string | null;
}

export interface ConnectionReconcileStatus {
  connection: { id: string; name: string };
  queue: Record<QueueState, number>;
  /** Users by GitLab sync state (those with applied state so far). */
  users: Record<SyncState, number>;
  parked: { total: number; subjects: ParkedSubject[] };
  /** GitLab groups some mapping rule targets, by sync state. */
  gitlabGroups: Record<SyncState, number>;
  /** Mass-change holds waiting for `approve` or `discard`, newest first. */
  holds: Array<Pick<ListedHold, "id" | "kind" | "summary" | "counts" | "createdAt" | "waiting">>;
}

export async function reconcileStatus(db: Database, connection: { id: string; name: string }, limit: number): Promise<ConnectionReconcileStatus> {
  const queue = await countByState(db.direct, { connectionId: connection.id });
  const users = Object.fromEntries(SYNC_STATES.map((state) => [state, 0])) as Record<SyncState, number>;
  const bySyncState = await db.prisma.gitLabUserLink.groupBy({ by: ["syncState"], where: { connectionId: connection.id }, _count: { _all: true } });
  for (const row of bySyncState) users[row.syncState] = row._count._all;
  const gitlabGroups = Object.fromEntries(SYNC_STATES.map((state) => [state, 0])) as Record<SyncState, number>;
  const targetsBySyncState = await db.prisma.gitLabGroupTarget.groupBy({ by: ["syncState"], where: { connectionId: connection.id }, _count: { _all: true } });
  for (const row of targetsBySyncState) gitlabGroups[row.syncState] = row._count._all;
  const holds = (await listHolds(db.direct, { connectionId: connection.id })).map(({ id, kind, summary, counts, createdAt, waiting }) => ({ id, kind, summary, counts, createdAt, waiting }));
  const items = await listParked(db.direct, { connectionId: connection.id, limit });
  const ids = (type: string) => items.filter((i) => i.subjectType === type).map((i) => i.subjectId);
  const [scimUsers, scimGroups, links] = await Promise.all([
    db.prisma.scimUser.findMany({ where: { id: { in: ids("user") } }, select: { id: true, userName: true, deletedAt: true } }),
    db.prisma.scimGroup.findMany({ where: { id: { in: ids("group") } }, select: { id: true, displayName: true, deletedAt: true } }),
    db.prisma.gitLabUserLink.findMany({ where: { scimUserId: { in: ids("user") } }, select: { scimUserId: true, gitlabUserId: true, gitlabUsername: true } }),
  ]);
  const subjects = items.map((item): ParkedSubject => {
    const user = scimUsers.find((u) => u.id === item.subjectId);
    const group = scimGroups.find((g) => g.id === item.subjectId);
    const link = links.find((l) => l.scimUserId === item.subjectId);
    return {
      subjectType: item.subjectType,
      subjectId: item.subjectId,
      name: user?.userName ?? group?.displayName ?? null,
      deleted: Boolean(user?.deletedAt ?? group?.deletedAt),
      gitlabUserId: link?.gitlabUserId ?? null,
      gitlabUsername: link?.gitlabUsername ?? null,
      parkedReason: item.parkedReason,
      attempts: item.attempts,
      lastError: item.lastError,
      lastErrorAt: item.lastErrorAt?.toISOString() ?? null,
    };
  });
  return { connection, queue, users, parked: { total: queue.parked, subjects }, gitlabGroups, holds };
}
