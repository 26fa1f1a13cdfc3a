/**
 * Service-account tokens: JWTs signed with the service-account key, with
 * upstream's claims (pkg/serviceaccount/claims.go, jwt.go): iss, sub
 * `system:serviceaccount:NS:NAME`, aud, exp, iat, nbf, jti, and the
 * private `kubernetes.io` claim naming the account and the object the token
 * is bound to. The `kid` header is upstream's key id (the base64url SHA-256
 * of the public key's DER), so verifiers find the key in the JWKS.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, exportJWK, jwtVerify, decodeProtectedHeader, errors as joseErrors, type JWK, type JWTPayload } from 'jose';

export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** The issuer of legacy (Secret-held, never-expiring) service-account tokens. */
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

/** The private claims of a legacy token, each under its own key, as upstream's LegacyClaims. */
export interface LegacyClaims {
  readonly 'kubernetes.io/serviceaccount/namespace': string;
  readonly 'kubernetes.io/serviceaccount/secret.name': string;
  readonly 'kubernetes.io/serviceaccount/service-account.name': string;
  readonly 'kubernetes.io/serviceaccount/service-account.uid': string;
}

export interface ServiceAccountKeyOptions {
  /** PEM of the signing key (PKCS#8; ECDSA P-256 or RSA). */
  readonly privateKeyPem: string;
  /** PEMs of every public key whose tokens are accepted (the signing key's, and older ones during rotation). */
  readonly publicKeyPems?: readonly string[];
  /** The `iss` of tokens issued here, and the one accepted (default https://kubernetes.default.svc.cluster.local). */
  readonly issuer?: string;
}

export interface ObjectRef {
  readonly name: string;
  readonly uid: string;
}

export interface KubernetesClaim {
  readonly namespace: string;
  readonly serviceaccount: ObjectRef;
  readonly pod?: ObjectRef;
  readonly secret?: ObjectRef;
  readonly node?: ObjectRef;
  readonly warnafter?: number;
}

export interface TokenClaims extends JWTPayload {
  readonly 'kubernetes.io'?: KubernetesClaim;
}

export interface IssueRequest {
  readonly claim: KubernetesClaim;
  readonly audiences: readonly string[];
  readonly expirationSeconds: number;
  readonly now: Date;
}

/** Upstream's keyIDFromPublicKey. */
function keyId(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64url');
}

function algorithmOf(key: KeyObject): 'ES256' | 'ES384' | 'ES512' | 'RS256' {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1') return 'ES256';
  if (curve === 'secp384r1') return 'ES384';
  if (curve === 'secp521r1') return 'ES512';
  throw new TypeError(`service-account keys must be RSA or ECDSA P-256/384/521, not ${key.asymmetricKeyType ?? 'unknown'} ${curve ?? ''}`);
}

/** Why a token was refused, in upstream's words where it has them. */
export class TokenError extends Error {}

export class ServiceAccountTokens {
  readonly issuer: string;
  private readonly signingKey: KeyObject;
  private readonly signingKeyId: string;
  private readonly verifyKeys: ReadonlyMap<string, KeyObject>;

  constructor(options: ServiceAccountKeyOptions) {
    this.issuer = options.issuer ?? DEFAULT_ISSUER;
    // createPrivateKey reads PKCS#8 and SEC1 PEM alike.
    this.signingKey = createPrivateKey(options.privateKeyPem);
    const publicOfSigning = createPublicKey(this.signingKey);
    this.signingKeyId = keyId(publicOfSigning);
    const keys = new Map<string, KeyObject>([[this.signingKeyId, publicOfSigning]]);
    for (const pem of options.publicKeyPems ?? []) {
      const key = createPublicKey(pem);
      keys.set(keyId(key), key);
    }
    this.verifyKeys = keys;
  }

  /** A key pair made up now, for servers given none (their tokens die with them). */
  static ephemeral(issuer?: string): ServiceAccountTokens {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    return new ServiceAccountTokens({ privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), ...(issuer !== undefined && { issuer }) });
  }

  async issue(request: IssueRequest): Promise<string> {
    const now = Math.floor(request.now.getTime() / 1000);
    const subject = `system:serviceaccount:${request.claim.namespace}:${request.claim.serviceaccount.name}`;
    return new SignJWT({ 'kubernetes.io': request.claim } as JWTPayload)
      .setProtectedHeader({ alg: algorithmOf(this.signingKey), kid: this.signingKeyId })
      .setIssuer(this.issuer)
      .setSubject(subject)
      .setAudience([...request.audiences])
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + request.expirationSeconds)
      .setJti(randomUUID())
      .sign(this.signingKey);
  }

  /** A legacy token for a Secret of type kubernetes.io/service-account-token: no expiry, no audience. */
  async issueLegacy(account: { readonly namespace: string; readonly name: string; readonly uid: string }, secretName: string): Promise<string> {
    const claims: LegacyClaims = {
      'kubernetes.io/serviceaccount/namespace': account.namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': account.name,
      'kubernetes.io/serviceaccount/service-account.uid': account.uid,
    };
    return new SignJWT({ ...claims } as JWTPayload)
      .setProtectedHeader({ alg: algorithmOf(this.signingKey), kid: this.signingKeyId })
      .setIssuer(LEGACY_ISSUER)
      .setSubject(`system:serviceaccount:${account.namespace}:${account.name}`)
      .sign(this.signingKey);
  }

  /** The issuer a token names, when it looks like a JWT of ours (bound or legacy), without trusting it. */
  issuerOf(token: string): string | undefined {
    if (!token.startsWith('eyJ') || token.split('.').length !== 3) return undefined;
    try {
      decodeProtectedHeader(token);
      const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
      return payload.iss === this.issuer || payload.iss === LEGACY_ISSUER ? payload.iss : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Checks the signature against the accepted keys, the issuer, and the
   * times (with upstream's one-minute leeway); answers the claims.
   */
  async verify(token: string, now: Date, issuer: string = this.issuer): Promise<TokenClaims> {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new TokenError('the token is not a JWT');
    }
    const candidates = header.kid !== undefined && this.verifyKeys.has(header.kid) ? [this.verifyKeys.get(header.kid)!] : [...this.verifyKeys.values()];
    let lastError: unknown;
    for (const key of candidates) {
      try {
        const { payload } = await jwtVerify(token, key, { issuer, currentDate: now, clockTolerance: 60 });
        return payload as TokenClaims;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new TokenError('service account token has expired');
        if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'nbf') throw new TokenError('service account token is not valid yet');
        lastError = error;
      }
    }
    throw new TokenError(lastError instanceof joseErrors.JWSSignatureVerificationFailed ? 'the token signature is invalid' : `the token could not be verified: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
  }

  /** The accepted public keys as a JSON Web Key Set (/openid/v1/jwks). */
  async jwks(): Promise<{ keys: JWK[] }> {
    const keys = await Promise.all(
      [...this.verifyKeys.entries()].map(async ([kid, key]) => ({ ...(await exportJWK(key)), kid, use: 'sig', alg: algorithmOf(key) })),
    );
    return { keys };
  }

  get algorithms(): string[] {
    return [...new Set([...this.verifyKeys.values()].map(algorithmOf))].sort();
  }
}
