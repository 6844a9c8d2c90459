import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadTotpKey } from '@flowex/security';
import { describe, expect, it } from 'vitest';
import { loadSigningKeys } from '../src/security/keys.ts';
import { testConfig } from './helpers.ts';

describe('development secrets', () => {
  it('are generated once, persisted with mode 0600, and shared by every later load', async () => {
    const config = testConfig();
    const first = await loadSigningKeys(config);
    const second = await loadSigningKeys(config);
    expect(second.kid).toBe(first.kid);
    expect(first.jwks.keys[0]).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(first.jwks.keys[0]).not.toHaveProperty('d');
    const pem = join(config.FLOWEX_DATA_DIR, 'keys', 'jwt-ed25519.pem');
    expect(statSync(pem).mode & 0o777).toBe(0o600);
    expect(loadTotpKey(config).equals(loadTotpKey(config))).toBe(true);
    expect((await loadSigningKeys(testConfig())).kid).not.toBe(first.kid);
  });

  it('are required in production', async () => {
    const config = { ...testConfig(), production: true };
    await expect(loadSigningKeys(config)).rejects.toThrow(/JWT_PRIVATE_KEY/);
    expect(() => loadTotpKey(config)).toThrow(/TOTP_ENCRYPTION_KEY/);
  });

  it('use the configured key when given', async () => {
    const config = testConfig();
    const generated = await loadSigningKeys(config);
    const pem = (await import('node:fs')).readFileSync(
      join(config.FLOWEX_DATA_DIR, 'keys', 'jwt-ed25519.pem'),
      'utf8',
    );
    const configured = await loadSigningKeys({
      ...testConfig(),
      production: true,
      JWT_PRIVATE_KEY: pem.replace(/\n/g, '\\n'),
    });
    expect(configured.kid).toBe(generated.kid);
  });
});
