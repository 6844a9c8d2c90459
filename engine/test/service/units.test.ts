import { describe, expect, it } from 'vitest';
import {
  feeFor,
  fromAtoms,
  MarketUnits,
  ONE,
  toAtoms,
  truncateTo,
  UnitsError,
} from '../../src/service/units.ts';

describe('units: exact money conversion', () => {
  it('round-trips decimal strings through atoms', () => {
    for (const s of [
      '0',
      '1',
      '-1',
      '0.000000000000000001',
      '123456789012345678.123456789012345678',
      '30000.5',
    ]) {
      expect(fromAtoms(toAtoms(s))).toBe(s);
    }
    // Any atoms, both signs, against the arithmetic definition (integer part, then the
    // fraction without trailing zeros); enough of them to overflow the cache of recent
    // conversions, each asked again after other values.
    let seed = 7n;
    const earlier: [bigint, string][] = [];
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      const atoms = (seed >> BigInt(i % 60)) * (i % 2 === 0 ? 1n : -1n);
      const abs = atoms < 0n ? -atoms : atoms;
      const frac = (abs % ONE).toString().padStart(18, '0').replace(/0+$/, '');
      const want = `${atoms < 0n ? '-' : ''}${abs / ONE}${frac ? `.${frac}` : ''}`;
      expect(fromAtoms(atoms)).toBe(want);
      earlier.push([atoms, want]);
      const [again, wantAgain] = earlier[(i * 7919) % earlier.length]!;
      expect(fromAtoms(again)).toBe(wantAgain);
    }
    expect(toAtoms('1.50')).toBe(toAtoms('1.5'));
    expect(toAtoms({ toFixed: () => '0.00000001' })).toBe(10n ** 10n);
    expect(() => toAtoms('0.0000000000000000001')).toThrow(RangeError);
    expect(() => toAtoms('1e-8')).toThrow(RangeError);
    expect(() => toAtoms('abc')).toThrow(RangeError);
  });

  it('converts prices and quantities to ticks and lots exactly, or refuses', () => {
    const u = new MarketUnits(toAtoms('0.01'), toAtoms('0.00001'));
    expect(u.ticks(toAtoms('30000.01'))).toBe(3_000_001);
    expect(u.lots(toAtoms('0.5'))).toBe(50_000);
    expect(() => u.ticks(toAtoms('30000.001'))).toThrow(UnitsError);
    expect(() => u.lots(toAtoms('0'))).toThrow(UnitsError);
    expect(fromAtoms(u.price(3_000_001))).toBe('30000.01');
    expect(fromAtoms(u.quantity(50_000))).toBe('0.5');
    // 0.00043 BTC at 12345.67 USDT = 5.3086381 USDT, no float anywhere
    expect(fromAtoms(u.quote(1_234_567, 43))).toBe('5.3086381');
    expect(u.quoteBudget(toAtoms('1000'))).toBe(10n ** 10n);
  });

  it('rounds fees down to the asset decimals (never more than due)', () => {
    expect(fromAtoms(feeFor(toAtoms('15000'), toAtoms('0.001'), 6))).toBe('15');
    expect(fromAtoms(feeFor(toAtoms('0.00001'), toAtoms('0.001'), 8))).toBe('0.00000001');
    expect(fromAtoms(feeFor(toAtoms('0.000019'), toAtoms('0.001'), 8))).toBe('0.00000001');
    expect(feeFor(toAtoms('0.000009'), toAtoms('0.001'), 8)).toBe(0n);
    expect(truncateTo(ONE + 5n, 18)).toBe(ONE + 5n);
  });
});
