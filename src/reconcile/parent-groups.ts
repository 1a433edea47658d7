/**
 * The parent groups of the subgroups the bridge creates (settings.unmappedParent), looked up once a
 * minute per process rather than once per subgroup: an initial push of 500 SCIM groups made 500
 * identical GET /groups/:path calls. A group that is not found is not remembered, and a create that
 * GitLab answers 404 (the parent is gone, contract §3) makes the pass forget it and look again.
 */
import type { GitLabClient } from "../gitlab/client";
import { findGroupByFullPath } from "../gitlab/groups";
import type { GitLabGroup } from "../gitlab/types";

const TTL_MS = 60_000;

export class ParentGroupLookup {
  private readonly found = new Map<string, { group: GitLabGroup; until: number }>();
  /** Lookups in flight: the workers of an initial push all start with the same parent. */
  private readonly asking = new Map<string, Promise<GitLabGroup | null>>();

  constructor(private readonly clock: () => number = Date.now) {}

  /** The group at `fullPath` (case-insensitive, as GitLab's paths), from the last minute's lookup or GitLab's answer now. */
  async find(client: GitLabClient, fullPath: string): Promise<GitLabGroup | null> {
    const key = fullPath.toLowerCase();
    const known = this.found.get(key);
    if (known && known.until > this.clock()) return known.group;
    const asked = this.asking.get(key);
    if (asked) {
      try {
        return await asked;
      } catch {
        // The pass that asked first failed (its own cancellation, or GitLab's answer): ask again here.
      }
    }
    const mine = findGroupByFullPath(client, fullPath);
    this.asking.set(key, mine);
    try {
      const group = await mine;
      if (group) this.found.set(key, { group, until: this.clock() + TTL_MS });
      else this.found.delete(key);
      return group;
    } finally {
      if (this.asking.get(key) === mine) this.asking.delete(key);
    }
  }

  forget(fullPath: string): void {
    this.found.delete(fullPath.toLowerCase());
  }
}
