/** `node dist/bench/profileOnly.js FILE.cpuprofile`: the top stepguard functions of a profile. */
import { profileTop } from './lib/profileTop';

const r = profileTop(process.argv[2] as string, '/dist/src/', Number(process.argv[3] ?? 25));
for (const [k, v] of Object.entries(r.buckets).sort((a, b) => b[1] - a[1])) process.stdout.write(`${(v * 100).toFixed(1).padStart(5)}%  ${k}\n`);
for (const f of r.functions) process.stdout.write(`${(f.selfShare * 100).toFixed(1).padStart(5)}% self ${(f.totalShare * 100).toFixed(1).padStart(5)}% incl  ${f.name}\n`);
