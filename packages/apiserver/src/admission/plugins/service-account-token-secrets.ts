/**
 * Legacy service-account token Secrets: a Secret of type
 * kubernetes.io/service-account-token naming an account in its
 * `kubernetes.io/service-account.name` annotation gets the account's uid,
 * a never-expiring token, the namespace and the cluster CA — what
 * upstream's token controller writes into it a moment after creation, done
 * here as the Secret is created so it is usable at once.
 */
import type { ObjectReader } from '../../auth/object-reader.js';
import type { ServiceAccountTokens } from '../../auth/serviceaccount/token-issuer.js';
import type { AdmissionPlugin } from '../types.js';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
const NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const UID_ANNOTATION = 'kubernetes.io/service-account.uid';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

export function serviceAccountTokenSecretsPlugin(tokens: ServiceAccountTokens, accounts: ObjectReader, rootCaPem: string | undefined): AdmissionPlugin {
  return {
    name: 'ServiceAccountTokenSecrets',
    async mutate(request) {
      const { definition, object } = request;
      if (definition.group !== '' || definition.plural !== 'secrets' || request.operation !== 'CREATE' || request.dryRun || object === undefined) return;
      if (object['type'] !== SERVICE_ACCOUNT_TOKEN_TYPE) return;
      const accountName = object.metadata.annotations?.[NAME_ANNOTATION];
      if (accountName === undefined || accountName === '') return;
      const account = await accounts(request.namespace, accountName);
      // Upstream's controller removes a token Secret whose account is gone; lk leaves it without a token.
      if (account === undefined) return;
      const uid = account.metadata.uid ?? '';
      const requestedUid = object.metadata.annotations?.[UID_ANNOTATION];
      if (requestedUid !== undefined && requestedUid !== '' && requestedUid !== uid) return;
      object.metadata.annotations = { ...object.metadata.annotations, [UID_ANNOTATION]: uid };
      const token = await tokens.issueLegacy({ namespace: request.namespace, name: accountName, uid }, request.name);
      object['data'] = {
        ...(object['data'] as Record<string, string> | undefined),
        token: base64(token),
        namespace: base64(request.namespace),
        ...(rootCaPem !== undefined && { 'ca.crt': base64(rootCaPem) }),
      };
    },
  };
}
