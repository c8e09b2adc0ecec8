import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { profileTop } from '../../bench/lib/profileTop';
import { mainThreadCpuMs } from '../../bench/lib/threadCpu';

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });

describe('bench: stepguard functions ranked from a --cpu-prof profile', () => {
  it('ranks stepguard frames by self time over busy (not idle) samples, with inclusive shares and buckets', () => {
    const profile = {
      nodes: [
        frame(1, '(root)', '', [2, 5, 6]),
        frame(2, 'requireStepUp', 'file:///w/dist/src/http/requireStepUp.js', [3]),
        frame(3, 'assessStepUp', 'file:///w/dist/src/http/assessStepUp.js', [4]),
        frame(4, 'sendCommand', 'file:///w/node_modules/ioredis/built/Redis.js'),
        frame(5, '(idle)', ''),
        frame(6, '(garbage collector)', ''),
      ],
      // requireStepUp self 1, assessStepUp self 2, ioredis 3 (under both), GC 2, idle 10.
      samples: [2, 3, 3, 4, 4, 4, 6, 6, ...Array(10).fill(5)],
      timeDeltas: [],
    };
    const file = join(mkdtempSync(join(tmpdir(), 'prof-')), 'x.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const { functions, buckets } = profileTop(file, '/dist/src/', 5);
    expect(functions.map((f) => f.name)).toEqual(['assessStepUp src/http/assessStepUp.js:1', 'requireStepUp src/http/requireStepUp.js:1']);
    expect(functions[0]?.selfShare).toBeCloseTo(2 / 8);
    expect(functions[0]?.totalShare).toBeCloseTo(5 / 8);
    expect(functions[1]?.totalShare).toBeCloseTo(6 / 8);
    expect(buckets).toEqual({ stepguard: 3 / 8, ioredis: 3 / 8, GC: 2 / 8 });
  });

  it('reads the main thread CPU of a process, which grows with work', () => {
    const before = mainThreadCpuMs(process.pid);
    expect(Number.isFinite(before)).toBe(true);
    const until = Date.now() + 150;
    while (Date.now() < until) {
      /* busy */
    }
    expect(mainThreadCpuMs(process.pid)).toBeGreaterThan(before);
  });
});
