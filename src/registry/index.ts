/**
 * The registry port (docs/adr/0008-registry-client.md): a client per host,
 * configured from what the user gave (--creds, --authfile, --tls-verify) or,
 * for the server, from the environment: $REGISTRY_AUTH_FILE for credentials
 * and $STRATA_INSECURE_REGISTRIES (comma-separated hosts) for registries
 * reached over plain HTTP or with self-signed certificates.
 */
import { credsFromAuthFile, parseCreds, type Credentials } from './auth';
import { RegistryClient } from './client';

export { RegistryClient, MEDIA, sha256, type Manifest, type PushOutcome } from './client';
export { parseRegistryRef, formatRegistryRef, isRegistrySource, ledgerTag, type RegistryRef } from './reference';
export { parseCreds, credsFromAuthFile, type Credentials } from './auth';
export { RegistryArchive, type KnownLayer } from './pullArchive';

export interface RegistryAccess {
  /** USER:PASS (--creds). */
  creds?: string | Credentials | null;
  /** containers-auth.json / Docker config.json (--authfile); default $REGISTRY_AUTH_FILE. */
  authFile?: string | null;
  /** --tls-verify; default true unless the host is in $STRATA_INSECURE_REGISTRIES. */
  tlsVerify?: boolean | null;
}

const insecureHosts = (): string[] => (process.env.STRATA_INSECURE_REGISTRIES ?? '').split(',').map((s) => s.trim()).filter(Boolean);

export function registryClient(host: string, access: RegistryAccess = {}): RegistryClient {
  const creds = typeof access.creds === 'string' ? parseCreds(access.creds) : access.creds ?? credsFromAuthFile(host, access.authFile);
  const tlsVerify = access.tlsVerify ?? !insecureHosts().includes(host);
  return new RegistryClient(host, { creds, tlsVerify });
}
