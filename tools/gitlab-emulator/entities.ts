/**
 * GitLab's Grape entities, rendered from store records. Field names follow GitLab's OpenAPI description
 * (APIEntities*); which entity a caller gets follows contract §1.1/§1.6: non-admins see UserBasic in
 * lists and no is_admin key on /user; admins get UserWithAdmin.
 */
import type { Store } from "./state/store";
import type { GroupRecord, MemberRecord, SshKeyRecord, TokenRecord, UserRecord } from "./state/types";

const avatarUrl = (u: UserRecord) => `https://www.gravatar.com/avatar/${u.id}?s=80&d=identicon`;
const identities = (u: UserRecord) => u.identities.map((i) => ({ provider: i.provider, extern_uid: i.externUid }));

/*
 * The user entities nest (UserBasic ⊂ User ⊂ UserPublic ⊂ UserWithAdmin) but are written out as whole
 * literals: one literal per entity gives V8 one stable object shape, which keeps look-ups under load
 * several times cheaper than chains of object spreads.
 */

export function userBasic(u: UserRecord, baseUrl: string) {
  return { id: u.id, username: u.username, name: u.name, state: u.state, locked: false, avatar_url: avatarUrl(u), web_url: `${baseUrl}/${u.username}` };
}

/** Entities::User — what a non-admin gets from GET /users/:id. */
export function userProfile(u: UserRecord, baseUrl: string) {
  return {
    id: u.id, username: u.username, name: u.name, state: u.state, locked: false, avatar_url: avatarUrl(u), web_url: `${baseUrl}/${u.username}`,
    created_at: u.createdAt, bio: u.bio, location: "", public_email: u.publicEmail, linkedin: "", twitter: "", discord: "",
    website_url: "", organization: "", job_title: "", pronouns: null, bot: u.userType !== "human", work_information: null, local_time: null,
  };
}

/** Entities::UserPublic — GET /user for a non-admin: no is_admin key at all (contract §9.15). */
export function userPublic(u: UserRecord, baseUrl: string) {
  return {
    id: u.id, username: u.username, name: u.name, state: u.state, locked: false, avatar_url: avatarUrl(u), web_url: `${baseUrl}/${u.username}`,
    created_at: u.createdAt, bio: u.bio, location: "", public_email: u.publicEmail, linkedin: "", twitter: "", discord: "",
    website_url: "", organization: "", job_title: "", pronouns: null, bot: u.userType !== "human", work_information: null, local_time: null,
    last_sign_in_at: u.lastSignInAt, confirmed_at: u.confirmedAt, last_activity_on: u.lastActivityOn, email: u.email, theme_id: 3,
    color_scheme_id: 1, projects_limit: u.projectsLimit, current_sign_in_at: u.currentSignInAt, identities: identities(u),
    can_create_group: u.canCreateGroup, can_create_project: u.projectsLimit > 0, two_factor_enabled: false, external: u.external,
    private_profile: u.privateProfile, commit_email: u.email, preferred_language: "en",
  };
}

/** Entities::UserWithAdmin (contract §1.2 lists the fields of the 201 body). */
export function userWithAdmin(u: UserRecord, baseUrl: string, store: Store) {
  const creator = u.createdById === null ? undefined : store.findUser(u.createdById);
  return {
    id: u.id, username: u.username, name: u.name, state: u.state, locked: false, avatar_url: avatarUrl(u), web_url: `${baseUrl}/${u.username}`,
    created_at: u.createdAt, bio: u.bio, location: "", public_email: u.publicEmail, linkedin: "", twitter: "", discord: "",
    website_url: "", organization: "", job_title: "", pronouns: null, bot: u.userType !== "human", work_information: null, local_time: null,
    last_sign_in_at: u.lastSignInAt, confirmed_at: u.confirmedAt, last_activity_on: u.lastActivityOn, email: u.email, theme_id: 3,
    color_scheme_id: 1, projects_limit: u.projectsLimit, current_sign_in_at: u.currentSignInAt, identities: identities(u),
    can_create_group: u.canCreateGroup, can_create_project: u.projectsLimit > 0, two_factor_enabled: false, external: u.external,
    private_profile: u.privateProfile, commit_email: u.email, preferred_language: "en",
    is_admin: u.isAdmin, note: u.note, namespace_id: u.namespaceId, created_by: creator ? userBasic(creator, baseUrl) : null,
  };
}

export function group(g: GroupRecord, baseUrl: string) {
  return {
    id: g.id,
    web_url: `${baseUrl}/groups/${g.fullPath}`,
    name: g.name,
    path: g.path,
    description: g.description,
    visibility: g.visibility,
    share_with_group_lock: false,
    require_two_factor_authentication: false,
    two_factor_grace_period: 48,
    project_creation_level: "developer",
    auto_devops_enabled: null,
    subgroup_creation_level: "maintainer",
    emails_disabled: false,
    emails_enabled: true,
    mentions_disabled: null,
    lfs_enabled: true,
    archived: false,
    default_branch: null,
    default_branch_protection: 2,
    avatar_url: null,
    request_access_enabled: true,
    full_name: g.fullName,
    full_path: g.fullPath,
    created_at: g.createdAt,
    parent_id: g.parentId,
    organization_id: 1,
    shared_runners_setting: "enabled",
    marked_for_deletion_on: null,
  };
}

/** Entities::GroupDetail; the emulator holds no projects, so the project lists are empty. */
export function groupDetail(g: GroupRecord, baseUrl: string) {
  return {
    ...group(g, baseUrl),
    shared_with_groups: [],
    prevent_sharing_groups_outside_hierarchy: false,
    projects: [],
    shared_projects: [],
  };
}

/** contract §4.5: `id` is the user id; `state` is the user's state (blocked members stay listed). */
export function member(m: MemberRecord, u: UserRecord, baseUrl: string, store: Store) {
  const entity = {
    id: u.id, username: u.username, name: u.name, state: u.state, locked: false, avatar_url: avatarUrl(u), web_url: `${baseUrl}/${u.username}`,
    access_level: m.accessLevel, created_at: m.createdAt, expires_at: m.expiresAt, membership_state: "active",
  };
  // GitLab exposes created_by only when the member has a creator.
  const creator = m.createdById === null ? undefined : store.findUser(m.createdById);
  return creator ? { ...entity, created_by: userBasic(creator, baseUrl) } : entity;
}

export function personalAccessToken(t: TokenRecord, today: string) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    revoked: t.revoked,
    created_at: t.createdAt,
    scopes: t.scopes,
    user_id: t.userId,
    last_used_at: t.lastUsedAt,
    active: !t.revoked && (t.expiresAt === null || t.expiresAt > today),
    expires_at: t.expiresAt,
  };
}

export function sshKey(k: SshKeyRecord) {
  return {
    id: k.id,
    title: k.title,
    created_at: k.createdAt,
    expires_at: k.expiresAt,
    key: k.key,
    usage_type: k.usageType,
  };
}
