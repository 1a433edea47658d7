/**
 * The desired-state stores, telling `onWritten` after each write that committed. Every write marks
 * its subjects for reconciliation in the same statement, so this is the in-process wake-up of the
 * reconcile workers: a change made here is picked up at once, not at the next poll. A write that
 * failed (refused, conflicting) calls nothing; a write that changed nothing may call it (a worker then
 * finds nothing due and sleeps again).
 */
import type { GroupStore } from "./group-store";
import type { UserStore } from "./user-store";

export function notifyingStores(stores: { users: UserStore; groups: GroupStore }, onWritten: () => void): { users: UserStore; groups: GroupStore } {
  const after = <T>(write: Promise<T>): Promise<T> =>
    write.then((result) => {
      onWritten();
      return result;
    });
  const { users, groups } = stores;
  return {
    users: { ...users, create: (...a) => after(users.create(...a)), apply: (...a) => after(users.apply(...a)), delete: (...a) => after(users.delete(...a)) },
    groups: { ...groups, create: (...a) => after(groups.create(...a)), apply: (...a) => after(groups.apply(...a)), delete: (...a) => after(groups.delete(...a)) },
  };
}
