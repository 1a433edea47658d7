/**
 * The GitLab path of the subgroup the bridge creates for an unmapped SCIM group, derived from its
 * displayName, and the description that marks the subgroup as the bridge's for that SCIM group.
 *
 * A namespace path (Gitlab::PathRegex NAMESPACE_FORMAT_REGEX) is 1–255 characters of letters, digits,
 * '_', '-' and '.', starting with a letter, digit, '_' or '.', not ending in '.', and not ending in
 * '.git' or '.atom'. The derived path is also lower case, and readable: accents are transliterated
 * (é → e, ß → ss), anything else outside the set becomes '-', runs of '-' or '.' collapse, and '-' and
 * '.' are trimmed from both ends. Nothing left → "group". Collisions take a suffix: path-2, path-3 ….
 */

/** Namespace::URL_MAX_LENGTH. */
const MAX_PATH_LENGTH = 255;
/** Room kept for a collision suffix ("-9999"), so a suffixed path stays within the maximum. */
const SUFFIX_ROOM = 8;

/** Letters NFKD does not decompose into a base letter and a mark. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: "ss", æ: "ae", œ: "oe", ø: "o", đ: "d", ð: "d", þ: "th", ł: "l", ı: "i", ŀ: "l", ħ: "h", ŧ: "t", ĸ: "k", ŋ: "n",
};

export function gitlabPathOf(displayName: string): string {
  const ascii = [...displayName.toLowerCase().normalize("NFKD")]
    .map((ch) => TRANSLITERATIONS[ch] ?? ch)
    .join("")
    .replace(/\p{M}/gu, "");
  let path = ascii
    .replace(/[^a-z0-9_.-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/\.{2,}/g, ".");
  path = trimmed(path.slice(0, MAX_PATH_LENGTH - SUFFIX_ROOM));
  // "x.git" → "x": the suffix GitLab refuses goes, and what it leaves is trimmed again.
  for (let stripped = path.replace(/\.(git|atom)$/, ""); stripped !== path; stripped = path.replace(/\.(git|atom)$/, "")) path = trimmed(stripped);
  return path === "" ? "group" : path;
}

/**
 * The subgroup's name: the displayName, with what Gitlab::Regex.group_name_regex refuses (anything but
 * letters, digits, emoji, '_', '.', '-', '+', '(', ')' and spaces; a first character that is not a
 * letter, digit, emoji or '_') replaced by a space; what is left trimmed. Nothing left → the path.
 */
export function gitlabGroupNameOf(displayName: string, path: string): string {
  const name = displayName
    .replace(/[^\p{L}\p{N}\p{Extended_Pictographic}_.\-+() ]+/gu, " ")
    .replace(/^[^\p{L}\p{N}\p{Extended_Pictographic}_]+/u, "")
    .replace(/ {2,}/g, " ")
    .trim()
    .slice(0, MAX_PATH_LENGTH);
  return name === "" ? path : name;
}

/** The n-th candidate path (n = 1 is the path itself; then path-2, path-3 …). */
export function candidatePath(path: string, n: number): string {
  return n <= 1 ? path : `${path}-${n}`;
}

/** The description of a subgroup the bridge made: how a repeat after a crash recognises it as its own. */
export function subgroupDescription(scimGroupId: string): string {
  return `Managed by gitlab-scim-bridge for SCIM group ${scimGroupId}`;
}

/** Whether a GitLab group's description names this SCIM group (the bridge made it for that group). */
export function describesScimGroup(description: string | null | undefined, scimGroupId: string): boolean {
  return typeof description === "string" && description.toLowerCase().includes(`scim group ${scimGroupId.toLowerCase()}`);
}

function trimmed(path: string): string {
  return path.replace(/^[-.]+/, "").replace(/[-.]+$/, "");
}
