import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { TokenAuthenticator, UserInfo } from '../types.js';

/** One line of kube-apiserver's --token-auth-file, as an object. */
export const staticTokenSchema = z.object({
  token: z.string().min(1, 'a static token must not be empty'),
  user: z.string().min(1, 'a static token needs the user name it authenticates'),
  uid: z.string().optional(),
  groups: z.array(z.string()).optional(),
});
export type StaticToken = z.infer<typeof staticTokenSchema>;

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Upstream's token file authenticator over a list the host gives: a bearer
 * token that matches one of them authenticates as its user. Tokens are kept
 * and compared as digests, in constant time.
 */
export function staticTokenAuthenticator(tokens: readonly StaticToken[]): TokenAuthenticator {
  const entries = tokens.map((entry, index) => {
    const parsed = staticTokenSchema.safeParse(entry);
    if (!parsed.success) throw new TypeError(`static token ${index}: ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
    const user: UserInfo = { name: parsed.data.user, uid: parsed.data.uid, groups: parsed.data.groups ?? [] };
    return { digest: digest(parsed.data.token), user };
  });
  const byDigest = new Map(entries.map((entry) => [entry.digest.toString('hex'), entry]));
  if (byDigest.size !== entries.length) throw new TypeError('static tokens must be unique');
  return (token) => {
    const presented = digest(token);
    const entry = byDigest.get(presented.toString('hex'));
    return entry !== undefined && timingSafeEqual(entry.digest, presented) ? { user: entry.user } : undefined;
  };
}
