/** The one warning that accompanies every newly shown token. */
export function tokenOnceWarning(connectionName: string, tokenId: string): string {
  return (
    `WARNING: this token will not be shown again; store it now in the IdP's provisioning settings.\n` +
    `To revoke it: gitlab-scim-bridge token revoke --connection ${connectionName} --token-id ${tokenId}\n`
  );
}
