/**
 * contract §6: GitLab limits DELETE /groups/:id/members/:user_id to 60 per minute per group (members_delete,
 * on by default, answered 429 with a minute's Retry-After and not reported in RateLimit-* headers). The
 * client paces removals per group itself (GITLAB_MEMBERS_DELETE_PER_MINUTE). The client's clock is the
 * emulator's (client-harness.ts): its waits move GitLab's time, so the test asserts calls, not durations.
 */
import { removeMember } from "../../src/gitlab/members";
import { useGitLabClient } from "./client-harness";

const t = useGitLabClient({ settings: { membersDeleteLimitPerMinute: 60 } });
const h = t.h;

function groupOf(n: number) {
  const users = Array.from({ length: n }, () => h.user());
  const path = h.unique("g");
  h.seed({ groups: [{ path, members: [{ userId: 1, accessLevel: 50 }, ...users.map((u) => ({ userId: u.id, accessLevel: 30 }))] }] });
  return { group: h.emu.state.findGroupByFullPath(path)!, users };
}

test("contract §6 members_delete 60/min per group: 70 removals paced by the client are all answered 204, none 429; the 61st waits for the window", async () => {
  const { group, users } = groupOf(70);
  const client = t.client({ endpointLimits: { members_delete: 60 } });
  const results = await Promise.all(users.map((u) => removeMember(client, group.id, u.id)));
  expect(results.every((r) => r === "removed")).toBe(true);
  const deletes = t.requests().filter((r) => r.method === "DELETE");
  expect(deletes).toHaveLength(70);
  expect(deletes.every((r) => r.status === 204)).toBe(true);
  expect(t.sleeps.some((ms) => ms >= 59_000)).toBe(true);
});

test("contract §6 members_delete: the pacing is per group, and without it GitLab answers 429 beyond 60", async () => {
  const a = groupOf(61);
  const client = t.client({ endpointLimits: { members_delete: 60 }, maxAttempts: 1 });
  await Promise.all(a.users.slice(0, 60).map((u) => removeMember(client, a.group.id, u.id)));
  const b = groupOf(5);
  const before = t.sleeps.length;
  await Promise.all(b.users.map((u) => removeMember(client, b.group.id, u.id)));
  expect(t.sleeps.length).toBe(before); // another group's removals do not wait
  const unpaced = t.client({ endpointLimits: { members_delete: 0 }, maxAttempts: 1 });
  await expect(removeMember(unpaced, a.group.id, a.users[60].id)).rejects.toMatchObject({ status: 429, kind: "retryable" });
});
