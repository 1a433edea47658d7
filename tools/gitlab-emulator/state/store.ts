/**
 * The emulator's whole world, in memory. Every lookup the API needs is an O(1) Map access: users by id,
 * lower-cased username, lower-cased email (primary and confirmed secondary) and identity; groups by id and
 * lower-cased full path; members by group and by user. The store keeps those indexes true and nothing
 * else: GitLab's rules (who may do what, which error) live in the route modules.
 */
import type {
  GroupRecord, Identity, MemberRecord, OAuthAccessToken, OAuthApplication, OAuthGrant,
  SshKeyRecord, TokenRecord, UserRecord,
} from "./types";
import { defaultSettings, type Settings } from "./settings";

const identityKey = (provider: string, externUid: string) => `${provider}\u0000${externUid.toLowerCase()}`;

export class Store {
  settings: Settings = defaultSettings();

  readonly usersById = new Map<number, UserRecord>();
  private readonly usersByUsername = new Map<string, UserRecord>();
  private readonly usersByEmail = new Map<string, UserRecord>();
  private readonly usersByIdentity = new Map<string, UserRecord>();
  private readonly usersByUnconfirmedSecondary = new Map<string, UserRecord>();

  readonly groupsById = new Map<number, GroupRecord>();
  private readonly groupsByPath = new Map<string, GroupRecord>();
  private readonly childrenByParent = new Map<number, Set<number>>();

  private readonly membersByGroup = new Map<number, Map<number, MemberRecord>>();
  private readonly groupIdsByUser = new Map<number, Set<number>>();

  readonly tokensById = new Map<number, TokenRecord>();
  private readonly tokensBySecret = new Map<string, TokenRecord>();
  readonly sshKeysById = new Map<number, SshKeyRecord>();

  readonly oauthApps = new Map<string, OAuthApplication>();
  readonly oauthGrants = new Map<string, OAuthGrant>();
  readonly oauthTokensByAccess = new Map<string, OAuthAccessToken>();
  readonly oauthTokensByRefresh = new Map<string, OAuthAccessToken>();

  private nextUserId = 1;
  /** Groups and personal namespaces share one id sequence in GitLab (the namespaces table). */
  private nextNamespaceId = 1;
  private nextTokenId = 1;
  private nextKeyId = 1;

  // ---- users ---------------------------------------------------------------------------------------

  allocateUserId(requested?: number): number {
    const id = requested ?? this.nextUserId;
    if (id >= this.nextUserId) this.nextUserId = id + 1;
    return id;
  }

  allocateNamespaceId(requested?: number): number {
    const id = requested ?? this.nextNamespaceId;
    if (id >= this.nextNamespaceId) this.nextNamespaceId = id + 1;
    return id;
  }

  insertUser(user: UserRecord): void {
    this.usersById.set(user.id, user);
    this.usersByUsername.set(user.username.toLowerCase(), user);
    this.indexEmails(user);
    for (const identity of user.identities) this.usersByIdentity.set(identityKey(identity.provider, identity.externUid), user);
  }

  findUser(id: number): UserRecord | undefined {
    return this.usersById.get(id);
  }

  findUserByUsername(username: string): UserRecord | undefined {
    return this.usersByUsername.get(username.toLowerCase());
  }

  /** Primary or confirmed secondary email, compared lower-cased (contract §1.2 rule 1). */
  findUserByEmail(email: string): UserRecord | undefined {
    return this.usersByEmail.get(email.toLowerCase());
  }

  /** contract §1.2: an address held only as an unconfirmed secondary email. */
  findUserByUnconfirmedSecondaryEmail(email: string): UserRecord | undefined {
    return this.usersByUnconfirmedSecondary.get(email.toLowerCase());
  }

  /** contract §2 / Addenda: extern_uid matching is case-insensitive (unconfirmed reading). */
  findUserByIdentity(provider: string, externUid: string): UserRecord | undefined {
    return this.usersByIdentity.get(identityKey(provider, externUid));
  }

  renameUser(user: UserRecord, username: string): void {
    this.usersByUsername.delete(user.username.toLowerCase());
    user.username = username;
    this.usersByUsername.set(username.toLowerCase(), user);
  }

  /**
   * A new primary email. As GitLab's user.rb `update_emails_with_primary_email` does, the old primary
   * stays as a secondary email, confirmed when the old one was (so it still counts as taken: a create or
   * update with it answers 409), and a secondary record of the new address is dropped.
   */
  changeEmail(user: UserRecord, email: string): void {
    this.unindexEmails(user);
    const previous = user.email;
    user.secondaryEmails = user.secondaryEmails.filter((s) => s.email.toLowerCase() !== email.toLowerCase());
    user.secondaryEmails.push({ email: previous, confirmed: user.confirmedAt !== null });
    user.email = email;
    this.indexEmails(user);
  }

  setIdentity(user: UserRecord, identity: Identity): void {
    const existing = user.identities.find((i) => i.provider === identity.provider);
    if (existing) {
      this.usersByIdentity.delete(identityKey(existing.provider, existing.externUid));
      existing.externUid = identity.externUid;
    } else {
      user.identities.push({ ...identity });
    }
    this.usersByIdentity.set(identityKey(identity.provider, identity.externUid), user);
  }

  removeIdentity(user: UserRecord, provider: string): boolean {
    const index = user.identities.findIndex((i) => i.provider === provider);
    if (index < 0) return false;
    const [removed] = user.identities.splice(index, 1);
    this.usersByIdentity.delete(identityKey(removed.provider, removed.externUid));
    return true;
  }

  removeUser(user: UserRecord): void {
    this.usersById.delete(user.id);
    this.usersByUsername.delete(user.username.toLowerCase());
    this.unindexEmails(user);
    for (const identity of user.identities) this.usersByIdentity.delete(identityKey(identity.provider, identity.externUid));
    for (const groupId of [...this.groupIdsOf(user.id)]) this.removeMember(groupId, user.id);
    for (const token of [...this.tokensById.values()]) if (token.userId === user.id) this.removeToken(token);
    for (const key of [...this.sshKeysById.values()]) if (key.userId === user.id) this.sshKeysById.delete(key.id);
  }

  private indexEmails(user: UserRecord): void {
    this.usersByEmail.set(user.email.toLowerCase(), user);
    for (const secondary of user.secondaryEmails) {
      (secondary.confirmed ? this.usersByEmail : this.usersByUnconfirmedSecondary).set(secondary.email.toLowerCase(), user);
    }
  }

  private unindexEmails(user: UserRecord): void {
    for (const email of [user.email, ...user.secondaryEmails.map((s) => s.email)]) {
      if (this.usersByEmail.get(email.toLowerCase()) === user) this.usersByEmail.delete(email.toLowerCase());
      if (this.usersByUnconfirmedSecondary.get(email.toLowerCase()) === user) this.usersByUnconfirmedSecondary.delete(email.toLowerCase());
    }
  }

  // ---- groups --------------------------------------------------------------------------------------

  insertGroup(group: GroupRecord): void {
    this.groupsById.set(group.id, group);
    this.groupsByPath.set(group.fullPath.toLowerCase(), group);
    if (group.parentId !== null) {
      let children = this.childrenByParent.get(group.parentId);
      if (!children) this.childrenByParent.set(group.parentId, (children = new Set()));
      children.add(group.id);
    }
  }

  findGroup(id: number): GroupRecord | undefined {
    return this.groupsById.get(id);
  }

  findGroupByFullPath(fullPath: string): GroupRecord | undefined {
    return this.groupsByPath.get(fullPath.toLowerCase());
  }

  childrenOf(groupId: number): GroupRecord[] {
    const ids = this.childrenByParent.get(groupId);
    return ids ? [...ids].map((id) => this.groupsById.get(id)!) : [];
  }

  descendantsOf(groupId: number): GroupRecord[] {
    const out: GroupRecord[] = [];
    const walk = (id: number) => {
      for (const child of this.childrenOf(id)) {
        out.push(child);
        walk(child.id);
      }
    };
    walk(groupId);
    return out;
  }

  /** Nearest first: parent, grandparent, … */
  ancestorsOf(group: GroupRecord): GroupRecord[] {
    const out: GroupRecord[] = [];
    for (let id = group.parentId; id !== null; ) {
      const parent = this.groupsById.get(id)!;
      out.push(parent);
      id = parent.parentId;
    }
    return out;
  }

  removeGroup(group: GroupRecord): void {
    for (const child of this.childrenOf(group.id)) this.removeGroup(child);
    for (const userId of [...(this.membersByGroup.get(group.id)?.keys() ?? [])]) this.removeMember(group.id, userId);
    this.membersByGroup.delete(group.id);
    this.groupsById.delete(group.id);
    this.groupsByPath.delete(group.fullPath.toLowerCase());
    if (group.parentId !== null) this.childrenByParent.get(group.parentId)?.delete(group.id);
  }

  // ---- members -------------------------------------------------------------------------------------

  directMembers(groupId: number): Map<number, MemberRecord> {
    return this.membersByGroup.get(groupId) ?? new Map();
  }

  findMember(groupId: number, userId: number): MemberRecord | undefined {
    return this.membersByGroup.get(groupId)?.get(userId);
  }

  upsertMember(member: MemberRecord): void {
    let members = this.membersByGroup.get(member.groupId);
    if (!members) this.membersByGroup.set(member.groupId, (members = new Map()));
    members.set(member.userId, member);
    let groups = this.groupIdsByUser.get(member.userId);
    if (!groups) this.groupIdsByUser.set(member.userId, (groups = new Set()));
    groups.add(member.groupId);
  }

  removeMember(groupId: number, userId: number): boolean {
    const removed = this.membersByGroup.get(groupId)?.delete(userId) ?? false;
    this.groupIdsByUser.get(userId)?.delete(groupId);
    return removed;
  }

  groupIdsOf(userId: number): Set<number> {
    return this.groupIdsByUser.get(userId) ?? new Set();
  }

  // ---- personal access tokens and SSH keys ---------------------------------------------------------

  insertToken(token: Omit<TokenRecord, "id"> & { id?: number }): TokenRecord {
    const id = token.id ?? this.nextTokenId;
    if (id >= this.nextTokenId) this.nextTokenId = id + 1;
    const record: TokenRecord = { ...token, id };
    this.tokensById.set(id, record);
    this.tokensBySecret.set(record.token, record);
    return record;
  }

  findTokenBySecret(secret: string): TokenRecord | undefined {
    return this.tokensBySecret.get(secret);
  }

  private removeToken(token: TokenRecord): void {
    this.tokensById.delete(token.id);
    this.tokensBySecret.delete(token.token);
  }

  insertSshKey(key: Omit<SshKeyRecord, "id"> & { id?: number }): SshKeyRecord {
    const id = key.id ?? this.nextKeyId;
    if (id >= this.nextKeyId) this.nextKeyId = id + 1;
    const record: SshKeyRecord = { ...key, id };
    this.sshKeysById.set(id, record);
    return record;
  }
}
