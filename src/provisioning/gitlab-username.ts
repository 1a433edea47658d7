/**
 * The GitLab username the bridge gives a user it creates: the local part of the SCIM userName (before
 * '@'), made valid for GitLab, and on a collision the same with a deterministic suffix (alice, alice1,
 * alice2, …), so that a retried or repeated pass proposes the same names in the same order.
 *
 * GitLab's rule (Gitlab::PathRegex, as the emulator has it: tools/gitlab-emulator/routes/user-rules.ts,
 * contract §1.2): letters, digits, '_', '-' and '.'; not starting with '-'; not ending in '.', '.git'
 * or '.atom'. Accents are dropped (é → e); any other run of characters becomes one '_'.
 */
const MAX_BASE_LENGTH = 50;

export function baseUsername(userName: string): string {
  const at = userName.indexOf("@");
  const local = (at > 0 ? userName.slice(0, at) : userName).normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  let name = local.replace(/[^a-zA-Z0-9_.-]+/g, "_").slice(0, MAX_BASE_LENGTH);
  name = name.replace(/^-+/, "");
  for (let previous = ""; previous !== name; ) {
    previous = name;
    name = name.replace(/(\.git|\.atom|\.)+$/i, "");
  }
  return name === "" ? "user" : name;
}

/** The n-th candidate: the base itself (n = 0), then base1, base2… */
export function usernameCandidate(base: string, n: number): string {
  return n === 0 ? base : `${base}${n}`;
}
