import { extractedFileName } from '../src/report/extract/file-name.ts';
const s = 'x'.repeat(50) + '\u0000é\u202e'.repeat(80);
let t = Date.now();
for (let i = 0; i < 200; i++) extractedFileName(1, 2, 'RETR', s + i);
console.log('names', Date.now() - t);
import fc from 'fast-check';
t = Date.now();
fc.sample(fc.string({ unit: 'binary', maxLength: 300 }), 200);
console.log('gen', Date.now() - t);
