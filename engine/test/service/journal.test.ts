import { describe, expect, it } from 'vitest';
import { NettedJournal } from '../../src/service/journal.ts';
import { pgArray } from '../../src/service/settlement.ts';

describe('settlement journal, netted per account and kind of movement', () => {
  it('sums postings per (user, asset, bucket, type), drops what nets to zero, stays balanced', () => {
    const j = new NettedJournal('00000000-0000-0000-0000-000000000001');
    // Two trades of the same buyer and seller, and a release that a later hold cancels out.
    for (const [quote, qty] of [
      [100n, 1n],
      [250n, 2n],
    ] as const) {
      j.post('buyer', 'USDT', 'LOCKED', 'TRADE', -quote);
      j.post('seller', 'USDT', 'AVAILABLE', 'TRADE', quote);
      j.post('seller', 'BTC', 'LOCKED', 'TRADE', -qty);
      j.post('buyer', 'BTC', 'AVAILABLE', 'TRADE', qty);
    }
    j.post('buyer', 'USDT', 'AVAILABLE', 'FEE', 0n);
    j.post('x', 'USDT', 'AVAILABLE', 'ADJUSTMENT', 5n);
    j.post('x', 'USDT', 'AVAILABLE', 'ADJUSTMENT', -5n);
    const rows = j.entries('batch:BTC-USDT:1-9');
    expect(rows.map((r) => [r.userId, r.assetCode, r.bucket, r.type, r.amount])).toEqual([
      ['buyer', 'USDT', 'LOCKED', 'TRADE', -350n],
      ['seller', 'USDT', 'AVAILABLE', 'TRADE', 350n],
      ['seller', 'BTC', 'LOCKED', 'TRADE', -3n],
      ['buyer', 'BTC', 'AVAILABLE', 'TRADE', 3n],
    ]);
    expect(rows.every((r) => r.reference === 'batch:BTC-USDT:1-9')).toBe(true);
    for (const asset of ['USDT', 'BTC']) {
      const sum = rows.filter((r) => r.assetCode === asset).reduce((s, r) => s + r.amount, 0n);
      expect(sum).toBe(0n);
    }
  });
});

describe('pgArray: PostgreSQL array literals', () => {
  it('writes plain values bare and quotes and escapes the rest', () => {
    expect(pgArray([])).toBe('{}');
    expect(pgArray(['1', '-0.5', 'BTC-USDT', null, '2026-12-01T11:35:29.992Z'])).toBe(
      '{1,-0.5,BTC-USDT,NULL,2026-12-01T11:35:29.992Z}',
    );
    expect(pgArray(['', 'null', 'a b', 'x,y', 'q"uo\\te', '{}'])).toBe(
      '{"","null","a b","x,y","q\\"uo\\\\te","{}"}',
    );
  });
});
