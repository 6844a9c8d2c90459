// The access-token signing key (Ed25519) and the JWKS that publishes its public half.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomUUID,
} from 'node:crypto';
import type { Config } from '@flowex/config';
import { devSecret, TOKEN_ALGORITHM, TOKEN_AUDIENCE, TOKEN_ISSUER } from '@flowex/server';
import { calculateJwkThumbprint, exportJWK, type JWK, SignJWT } from 'jose';

export interface SigningKeys {
  privateKey: KeyObject;
  kid: string;
  jwks: { keys: JWK[] };
}

export async function loadSigningKeys(config: Config): Promise<SigningKeys> {
  const pem = devSecret({
    configured: config.JWT_PRIVATE_KEY,
    production: config.production,
    dataDir: config.FLOWEX_DATA_DIR,
    name: 'jwt-ed25519.pem',
    variable: 'JWT_PRIVATE_KEY',
    generate: () =>
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });
  // Environment files often carry a PEM on one line with literal "\n".
  const privateKey = createPrivateKey(pem.replace(/\\n/g, '\n'));
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error('JWT_PRIVATE_KEY must be an Ed25519 private key (PKCS#8 PEM)');
  }
  const publicJwk = await exportJWK(createPublicKey(privateKey));
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateKey,
    kid,
    jwks: { keys: [{ ...publicJwk, kid, alg: TOKEN_ALGORITHM, use: 'sig' }] },
  };
}

export interface AccessClaims {
  userId: string;
  sessionId: string;
  roles: string[];
  accountNo: number;
}

export async function signAccessToken(
  keys: SigningKeys,
  claims: AccessClaims,
  ttlSeconds: number,
): Promise<{ token: string; expiresAt: Date }> {
  const now = Math.floor(Date.now() / 1000);
  const exp = now + ttlSeconds;
  const token = await new SignJWT({
    sid: claims.sessionId,
    roles: claims.roles,
    acct: claims.accountNo,
  })
    .setProtectedHeader({ alg: TOKEN_ALGORITHM, kid: keys.kid, typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(exp)
    .setJti(randomUUID())
    .sign(keys.privateKey);
  return { token, expiresAt: new Date(exp * 1000) };
}
