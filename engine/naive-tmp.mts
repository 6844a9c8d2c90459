import { createHash } from 'node:crypto';
import { loadWorkload, EXPECTED_SHA256 } from '/work/main/engine/src/flash1/index.ts';
const name = process.argv[2] ?? 'static';
const w = loadWorkload(name);
type O = { id: number; side: number; price: number; qty: number };
const book: [Map<number, O[]>, Map<number, O[]>] = [new Map(), new Map()];
const live = new Map<number, O>();
const lines: string[] = [];
function bestPrice(side: number) { let b: number | null = null; for (const [p, q] of book[side]) if (q.length) { if (b === null || (side === 0 ? p > b : p < b)) b = p; } return b; }
function matchO(o: O, s: number) {
  const opp = 1 - o.side;
  while (o.qty > 0) {
    const bp = bestPrice(opp); if (bp === null) break;
    if (o.side === 0 ? bp > o.price : bp < o.price) break;
    const q = book[opp].get(bp)!;
    while (o.qty > 0 && q.length) { const m = q[0]!; const x = Math.min(m.qty, o.qty); lines.push(`1,${s},${bp},${x},${m.id},${o.id}`); m.qty -= x; o.qty -= x; if (m.qty === 0) { q.shift(); live.delete(m.id); } }
    if (!q.length) book[opp].delete(bp);
  }
}
function rest(o: O) { let q = book[o.side].get(o.price); if (!q) { q = []; book[o.side].set(o.price, q); } q.push(o); live.set(o.id, o); }
function remove(o: O) { const q = book[o.side].get(o.price)!; q.splice(q.indexOf(o), 1); if (!q.length) book[o.side].delete(o.price); live.delete(o.id); }
const N = Number(process.argv[3] ?? w.count);
for (let i = 0; i < N; i++) {
  const s = w.seq[i]!, id = w.id[i]!, t = w.type[i]!;
  if (t === 0) { const o = { id, side: w.side[i]!, price: w.price[i]!, qty: w.qty[i]! }; lines.push(`0,${s},${o.side},${id},${o.price},${o.qty}`); matchO(o, s); if (o.qty > 0) { if (w.ioc[i]) lines.push(`2,${s},${o.side},${id},${o.price}`); else rest(o); } }
  else if (t === 1) { const o = live.get(id); if (!o) lines.push(`4,${s},${id}`); else { remove(o); lines.push(`2,${s},${o.side},${id},${o.price}`); } }
  else { const o = live.get(id); if (!o) lines.push(`5,${s},${id}`); else { remove(o); const n = { id, side: w.side[i]!, price: w.price[i]!, qty: w.qty[i]! }; matchO(n, s); if (n.qty > 0) rest(n); lines.push(`3,${s},${n.side},${id},${n.price},${w.qty[i]}`); } }
}
const text = lines.join('\n');
const h = createHash('sha256').update(text).digest('hex');
console.log(name, h, h === EXPECTED_SHA256[name as 'static']);
if (process.argv[4]) (await import('node:fs')).writeFileSync(process.argv[4], text);
