import { MatchingEngine } from './src/core/engine.ts';
import { applyMessage, loadWorkload } from './src/flash1/index.ts';
const w = loadWorkload('normal');
for (let r = 0; r < 3; r++) { const e = new MatchingEngine({ initialOrderCapacity: 1 << 17 }); const t0 = performance.now(); for (let i = 0; i < w.count; i++) applyMessage(e, w, i); console.log('run', (w.count / (performance.now() - t0) / 1000).toFixed(2)); }
const n = 300000; const eng = new MatchingEngine({ initialOrderCapacity: 1 << 17 });
const lat = new Float64Array(n); const t0 = performance.now() + 1;
for (let i = 0; i < n; i++) { const sched = t0 + i * 0.001; let now = performance.now(); while (now < sched) now = performance.now(); applyMessage(eng, w, i); lat[i] = (performance.now() - sched) * 1000; }
// find spikes
let spikes = 0; for (let i = 0; i < n; i++) if (lat[i]! > 5 && (i === 0 || lat[i - 1]! <= 5)) { if (spikes++ < 15) console.log('spike at', i, lat[i]!.toFixed(1)); }
console.log('spikes', spikes); const s = lat.slice().sort(); console.log('p50', s[n/2|0], 'p99', s[n*0.99|0], 'p999', s[n*0.999|0]);
