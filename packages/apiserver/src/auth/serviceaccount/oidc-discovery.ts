import type { NonResourceRoute } from '../../server/api-server.js';
import { sendObject } from '../../server/responses.js';
import type { ServiceAccountTokens } from './token-issuer.js';

/**
 * Service-account issuer discovery (upstream's pkg/serviceaccount/
 * openidmetadata.go): the OpenID configuration and the JWKS with which
 * anyone can verify lk's service-account tokens (cloud identity
 * federation, other clusters). Cacheable for an hour, as upstream's.
 */
export function openIdDiscoveryRoute(tokens: ServiceAccountTokens, jwksUri: () => string): NonResourceRoute {
  const headers = { 'Cache-Control': 'public, max-age=3600' };
  return async (path, _query, request, response) => {
    if ((request.method ?? 'GET') !== 'GET') return false;
    if (path === '/.well-known/openid-configuration') {
      const document = {
        issuer: tokens.issuer,
        jwks_uri: jwksUri(),
        response_types_supported: ['id_token'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: tokens.algorithms,
      };
      sendObject(response, 200, document, { format: 'json', contentType: 'application/json' }, { headers });
      return true;
    }
    if (path === '/openid/v1/jwks') {
      sendObject(response, 200, await tokens.jwks(), { format: 'json', contentType: 'application/jwk-set+json' }, { headers });
      return true;
    }
    return false;
  };
}
