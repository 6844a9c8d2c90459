import { MatchingEngine } from '/work/main/engine/src/core/engine.ts';
import { applyMessage, loadWorkload, SCENARIOS } from '/work/main/engine/src/flash1/index.ts';

for (const n of SCENARIOS) {
  const w = loadWorkload(n);
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const e = new MatchingEngine({ initialOrderCapacity: 1 << 16 });
    const t0 = performance.now();
    for (let i = 0; i < w.count; i++) applyMessage(e, w, i);
    const dt = performance.now() - t0;
    best = Math.max(best, w.count / dt / 1000);
  }
  console.log(n, best.toFixed(2), 'M msg/s');
}
