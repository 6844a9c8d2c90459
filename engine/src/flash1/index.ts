/**
 * Reader and adapter for the flash1 oracle workloads (../shared/flash1). Not part of the pure
 * core: it reads files. See /work/shared/flash1/README.md for the format and semantics.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { EVENT_STRIDE, EventType } from '../core/constants.ts';
import { MatchingEngine } from '../core/engine.ts';

export const SCENARIOS = ['static', 'normal', 'swing-25', 'swing-40', 'flash-crash'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const EXPECTED_SHA256: Record<Scenario, string> = {
  static: '9803843ee404fc29c9a0aa5614f8f0d5a58b5c44fcac9ef89067886fcaaa30d1',
  normal: 'e9b2e3926854410b01a035aeb25dd05f1e597c233be8263de9eb49b6713d367e',
  'swing-25': '61a84be9469661bd039e00dbc9a7c011e70b6ace37aadfe60045ea083b05f4df',
  'swing-40': '3cb0175e7982ff09ea220d1feaee3844cf9116a5ce455757879dea1d880b9b9f',
  'flash-crash': 'cff8d3f94b709fc64a8b2058a6ca4fb6920364904796e46906895e362d2bb16b',
};

/** `FLASH1_DIR`, else `<repo root>/../shared/flash1` computed from this file's location. */
export function flash1Dir(): string {
  const env = process.env.FLASH1_DIR;
  if (env) return path.resolve(env);
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
  return path.resolve(repoRoot, '../shared/flash1');
}

export const MSG_NEW = 0;
export const MSG_CANCEL = 1;
export const MSG_MODIFY = 2;

/** A decoded workload, struct-of-arrays. */
export interface Workload {
  name: string;
  count: number;
  type: Uint8Array;
  side: Uint8Array;
  ioc: Uint8Array;
  qty: Float64Array;
  seq: Float64Array;
  id: Float64Array;
  price: Float64Array;
}

export function loadWorkload(name: string, dir = flash1Dir()): Workload {
  const file = path.join(dir, `${name}.bin.br`);
  if (!existsSync(file)) {
    throw new Error(
      `flash1 workload not found: ${file} (set FLASH1_DIR or put shared/flash1 beside the repo)`,
    );
  }
  const b = brotliDecompressSync(readFileSync(file));
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = dv.getUint32(12, true);
  if (b.byteLength !== 16 + count * 40) throw new Error(`${file}: bad size`);
  const w: Workload = {
    name,
    count,
    type: new Uint8Array(count),
    side: new Uint8Array(count),
    ioc: new Uint8Array(count),
    qty: new Float64Array(count),
    seq: new Float64Array(count),
    id: new Float64Array(count),
    price: new Float64Array(count),
  };
  for (let i = 0; i < count; i++) {
    const o = 16 + i * 40;
    w.type[i] = b[o]!;
    w.side[i] = b[o + 1]!;
    w.ioc[i] = b[o + 2]!;
    w.qty[i] = dv.getUint32(o + 4, true);
    w.seq[i] = Number(dv.getBigUint64(o + 8, true));
    w.id[i] = Number(dv.getBigUint64(o + 16, true));
    w.price[i] = Number(dv.getBigInt64(o + 24, true));
  }
  return w;
}

const USER = 1;

/**
 * Apply message i of the workload to the engine (flash1 semantics: modify = cancel + re-insert
 * as a new GTC order with the same id, losing priority). Returns true when the cancel part of
 * a cancel/modify was rejected (order not resting).
 */
export function applyMessage(engine: MatchingEngine, w: Workload, i: number): boolean {
  const t = w.type[i]!;
  if (t === MSG_NEW) {
    engine.limit(w.id[i]!, USER, w.side[i]!, w.price[i]!, w.qty[i]!, w.ioc[i]!);
    return false;
  }
  engine.cancel(w.id[i]!);
  if (engine.eventCount > 0 && engine.events[0] === EventType.REJECTED) return true;
  if (t === MSG_MODIFY) {
    // keep the cancel's events? The canonical report needs only trades of the re-insert.
    engine.limit(w.id[i]!, USER, w.side[i]!, w.price[i]!, w.qty[i]!, 0);
  }
  return false;
}

/**
 * Apply messages [from, to) to the engine, same semantics as applyMessage but with the
 * workload arrays hoisted out of the loop (the benchmark's throughput loop). Events are
 * produced into the engine's buffer and not consumed.
 */
export function applyRange(engine: MatchingEngine, w: Workload, from: number, to: number): void {
  const type = w.type;
  const side = w.side;
  const ioc = w.ioc;
  const qty = w.qty;
  const id = w.id;
  const price = w.price;
  for (let i = from; i < to; i++) {
    const t = type[i];
    if (t === MSG_NEW) {
      engine.limit(id[i]!, USER, side[i]!, price[i]!, qty[i]!, ioc[i]!);
      continue;
    }
    engine.cancel(id[i]!);
    if (t === MSG_MODIFY && !(engine.eventCount > 0 && engine.events[0] === EventType.REJECTED)) {
      engine.limit(id[i]!, USER, side[i]!, price[i]!, qty[i]!, 0);
    }
  }
}

/**
 * Drive a fresh engine through messages [0, limit) and return the SHA-256 of the canonical
 * report text.
 */
export function reportHash(
  w: Workload,
  limit = w.count,
  engine = new MatchingEngine(),
  text?: string[],
): string {
  const hash = createHash('sha256');
  let chunk = '';
  let first = true;
  const line = (s: string) => {
    if (first) {
      chunk += s;
      first = false;
    } else chunk += `\n${s}`;
    if (chunk.length > 1 << 16) {
      hash.update(chunk);
      text?.push(chunk);
      chunk = '';
    }
  };
  for (let i = 0; i < limit; i++) {
    const s = w.seq[i]!;
    const t = w.type[i]!;
    const id = w.id[i]!;
    if (t === MSG_NEW) {
      line(`0,${s},${w.side[i]},${id},${w.price[i]},${w.qty[i]}`);
    }
    if (t === MSG_CANCEL) {
      const rejected = applyMessage(engine, w, i);
      if (rejected) line(`4,${s},${id}`);
      else {
        const e = engine.events;
        for (let k = 0; k < engine.eventCount; k++) {
          const b = k * EVENT_STRIDE;
          if (e[b] === EventType.ORDER_UPDATED) line(`2,${s},${e[b + 4]},${id},${e[b + 6]}`);
        }
      }
      continue;
    }
    const rejected = applyMessage(engine, w, i);
    if (rejected) {
      line(`5,${s},${id}`);
      continue;
    }
    const e = engine.events;
    for (let k = 0; k < engine.eventCount; k++) {
      const b = k * EVENT_STRIDE;
      const et = e[b];
      if (et === EventType.TRADE) {
        line(`1,${s},${e[b + 6]},${e[b + 7]},${e[b + 2]},${e[b + 4]}`);
      } else if (et === EventType.EXPIRED) {
        line(`2,${s},${e[b + 4]},${e[b + 2]},${e[b + 6]}`);
      } else if (et === EventType.REJECTED) {
        throw new Error(`message ${i}: engine rejected the order (reason ${e[b + 5]})`);
      }
    }
    if (t === MSG_MODIFY) line(`3,${s},${w.side[i]},${id},${w.price[i]},${w.qty[i]}`);
  }
  hash.update(chunk);
  text?.push(chunk);
  return hash.digest('hex');
}
