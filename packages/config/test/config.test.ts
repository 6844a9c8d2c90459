import { describe, expect, it } from 'vitest';
import { ConfigError, configTable, loadConfig } from '../src/index.ts';

describe('loadConfig', () => {
  it('gives documented defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.GATEWAY_PORT).toBe(8000);
    expect(config.TRADING_PORT).toBe(8002);
    expect(config.sandbox).toBe(true);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.subgraphUrls.trading).toBe('http://127.0.0.1:8002/graphql');
  });

  it('names the variable that is wrong', () => {
    expect(() => loadConfig({ GATEWAY_PORT: 'eighty' })).toThrow(/GATEWAY_PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
  });

  it('never allows sandbox mode in production', () => {
    const secrets = {
      JWT_PRIVATE_KEY: 'pem',
      TOTP_ENCRYPTION_KEY: 'key',
      DEPOSIT_ADDRESS_SECRET: 'a-long-enough-secret',
    };
    expect(loadConfig({ NODE_ENV: 'production', ...secrets }).sandbox).toBe(false);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_PRIVATE_KEY/);
    expect(() =>
      loadConfig({ NODE_ENV: 'production', ...secrets, FLOWEX_SANDBOX: 'true' }),
    ).toThrow(/FLOWEX_SANDBOX/);
  });

  it('documents every variable', () => {
    expect(configTable()).toMatch(/\| `GATEWAY_PORT` \| `8000` \|/);
  });
});

describe('README.md', () => {
  it('documents the configuration exactly as the code defines it', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(configTable());
  });
});
