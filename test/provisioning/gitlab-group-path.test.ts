/** The subgroup path of an unmapped SCIM group (Gitlab::PathRegex NAMESPACE_FORMAT_REGEX), pure. */
import { candidatePath, describesScimGroup, gitlabGroupNameOf, gitlabPathOf, subgroupDescription } from "../../src/provisioning/gitlab-group-path";

/** Gitlab::PathRegex namespace format: start [a-zA-Z0-9_.], then [a-zA-Z0-9_\-.], end not '.', no .git/.atom suffix, ≤ 255. */
const NAMESPACE_FORMAT = /^(?:[a-zA-Z0-9_.][a-zA-Z0-9_\-.]{0,254}[a-zA-Z0-9_-]|[a-zA-Z0-9_])$/;
const valid = (path: string) => NAMESPACE_FORMAT.test(path) && !/\.(git|atom)$/.test(path) && path.length <= 255;

describe("gitlabPathOf (Gitlab::PathRegex)", () => {
  test.each([
    ["Engineering", "engineering"],
    ["Platform Team", "platform-team"],
    ["  R&D / Tools  ", "r-d-tools"],
    ["Équipe Données", "equipe-donnees"],
    ["Straße", "strasse"],
    ["Ørsted Ålesund", "orsted-alesund"],
    ["a...b", "a.b"],
    ["--dev--", "dev"],
    [".hidden.", "hidden"],
    ["repo.git", "repo"],
    ["feed.atom", "feed"],
    ["x.git.atom", "x"],
    ["under_score", "under_score"],
    ["日本語", "group"],
    ["", "group"],
    ["🚀", "group"],
  ])("%j → %j", (displayName, path) => {
    expect(gitlabPathOf(displayName)).toBe(path);
    expect(valid(gitlabPathOf(displayName))).toBe(true);
  });

  test("a long name is cut to leave room for a collision suffix, and stays valid", () => {
    const path = gitlabPathOf(`${"a".repeat(246)}.${"b".repeat(100)}`);
    expect(path.length).toBeLessThanOrEqual(247);
    expect(valid(path)).toBe(true);
    expect(valid(candidatePath(path, 9999))).toBe(true);
  });

  test("collision candidates: path, path-2, path-3", () => {
    expect([1, 2, 3].map((n) => candidatePath("eng", n))).toEqual(["eng", "eng-2", "eng-3"]);
  });

  test("the description names the SCIM group, and only that one", () => {
    const id = "0b7f8f3e-6a4b-4d0e-9d1e-3c2b1a0f9e8d";
    expect(describesScimGroup(subgroupDescription(id), id)).toBe(true);
    expect(describesScimGroup(subgroupDescription(id), "1b7f8f3e-6a4b-4d0e-9d1e-3c2b1a0f9e8d")).toBe(false);
    expect(describesScimGroup("", id)).toBe(false);
    expect(describesScimGroup(null, id)).toBe(false);
  });

  test.each([
    ["Platform Team", "Platform Team"],
    ["R&D / Tools", "R D Tools"],
    ["Équipe (Données)", "Équipe (Données)"],
    ["-- ops", "ops"],
    ["&&", "group"],
  ])("group_name_regex: name %j → %j", (displayName, name) => {
    expect(gitlabGroupNameOf(displayName, "group")).toBe(name);
  });
});
