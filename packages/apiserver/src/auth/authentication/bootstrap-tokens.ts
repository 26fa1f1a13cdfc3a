import { timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '../../resources/types.js';
import { AuthenticationError, type TokenAuthenticator } from '../types.js';

/** `<6 characters id>.<16 characters secret>`, as kubeadm and k3s join tokens. */
const BOOTSTRAP_TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
const BOOTSTRAPPERS = 'system:bootstrappers';

/** Reads a Secret in kube-system (from the watch cache). */
export type SecretLookup = (name: string) => Promise<KubeObject | undefined>;

function field(secret: KubeObject, key: string): string | undefined {
  const data = secret['data'] as Record<string, string> | undefined;
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

/**
 * Upstream's bootstrap token authenticator (plugin/pkg/auth/authenticator/
 * token/bootstrap): a token `ID.SECRET` names the Secret
 * `bootstrap-token-ID` in kube-system, of type bootstrap.kubernetes.io/token,
 * marked usable for authentication, not expired and not being deleted; it
 * authenticates as `system:bootstrap:ID` in system:bootstrappers plus the
 * Secret's auth-extra-groups. A token of another shape is not this
 * authenticator's.
 */
export function bootstrapTokenAuthenticator(secret: SecretLookup, now: () => Date = () => new Date()): TokenAuthenticator {
  return async (token) => {
    const match = BOOTSTRAP_TOKEN.exec(token);
    if (match === null) return undefined;
    const [, id, presentedSecret] = match as unknown as [string, string, string];
    const name = `bootstrap-token-${id}`;
    const object = await secret(name);
    if (object === undefined) return undefined;
    if (object.metadata.deletionTimestamp !== undefined) return undefined;
    if (object['type'] !== BOOTSTRAP_TOKEN_SECRET_TYPE) return undefined;
    const storedSecret = field(object, 'token-secret') ?? '';
    const sameSecret = storedSecret.length === presentedSecret.length && timingSafeEqual(Buffer.from(storedSecret), Buffer.from(presentedSecret));
    if (field(object, 'token-id') !== id || !sameSecret) throw new AuthenticationError(`bootstrap token ${id} does not match its Secret`);
    const expiration = field(object, 'expiration');
    if (expiration !== undefined && !(Date.parse(expiration) > now().getTime())) throw new AuthenticationError(`bootstrap token ${id} has expired`);
    if (field(object, 'usage-bootstrap-authentication') !== 'true') throw new AuthenticationError(`bootstrap token ${id} is not usable for authentication`);
    const extra = (field(object, 'auth-extra-groups') ?? '')
      .split(',')
      .map((group) => group.trim())
      .filter((group) => group !== '');
    const invalidGroup = extra.find((group) => !group.startsWith(`${BOOTSTRAPPERS}:`));
    if (invalidGroup !== undefined) throw new AuthenticationError(`bootstrap token ${id} has an invalid extra group ${JSON.stringify(invalidGroup)}`);
    return { user: { name: `system:bootstrap:${id}`, groups: [BOOTSTRAPPERS, ...extra] } };
  };
}
