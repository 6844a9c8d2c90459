import { writeFileSync } from 'node:fs';
import { loadWorkload, reportHash } from './src/flash1/index.ts';
const w = loadWorkload(process.argv[2]!);
const parts: string[] = [];
reportHash(w, Number(process.argv[3]), undefined, parts);
writeFileSync('/tmp/eng.txt', parts.join(''));
