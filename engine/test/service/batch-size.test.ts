import { describe, expect, it } from 'vitest';
import { BatchSizer } from '../../src/service/batch-size.ts';

describe('settlement batch size, from what commits cost', () => {
  it('takes up to the maximum until a commit has been measured', () => {
    expect(new BatchSizer(2000, 30).limit()).toBe(2000);
  });

  it('caps a batch at what commits in about the target time', () => {
    const sizer = new BatchSizer(2000, 30);
    sizer.observe(999, 47); // ≈ 0.047 ms per command: 30 ms hold ≈ 637
    expect(sizer.limit()).toBe(637);
  });

  it('follows the cost as it moves, smoothed', () => {
    const sizer = new BatchSizer(2000, 30);
    sizer.observe(500, 25); // 0.05 ms per command → 600
    sizer.observe(500, 75); // 0.15 ms per command: 0.8 × 0.05 + 0.2 × 0.15 = 0.07 → 428
    expect(sizer.limit()).toBe(428);
    for (let i = 0; i < 50; i++) sizer.observe(500, 75);
    expect(sizer.limit()).toBe(200);
  });

  it('learns nothing from small batches, whose time is mostly the transaction itself', () => {
    const sizer = new BatchSizer(2000, 30);
    sizer.observe(1, 12);
    sizer.observe(63, 20);
    expect(sizer.limit()).toBe(2000);
  });

  it('stays within its floor and the configured maximum', () => {
    const slow = new BatchSizer(2000, 30);
    slow.observe(100, 1000); // 10 ms per command would allow 3
    expect(slow.limit()).toBe(64);
    const fast = new BatchSizer(500, 30);
    fast.observe(1000, 1); // 0.001 ms per command would allow 30,000
    expect(fast.limit()).toBe(500);
  });
});
