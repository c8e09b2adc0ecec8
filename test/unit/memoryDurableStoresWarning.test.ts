import { parseStepGuardOptions } from '../../src/config';
import { warnMemoryDurableStores } from '../../src/warnMemoryDurableStores';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createStepGuard } from '../../src';

/** A client that never connects: the check looks at which stores were given, not at Redis. */
const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false });
const mongo = { model: () => undefined } as never;

afterAll(() => redis.disconnect());

function stderrOf(options: Parameters<typeof parseStepGuardOptions>[0]): string[] {
  const lines: string[] = [];
  warnMemoryDurableStores(parseStepGuardOptions(options), { write: (text: string) => lines.push(text) });
  return lines;
}

describe('durable state that would silently live in memory', () => {
  it('is said on stderr, without any logger, when sessions are in Redis but bindings and factors are not', () => {
    const lines = stderrOf({ environment: 'development', stores: { redis } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/WARNING.*phone bindings, enrolled factors and the audit trail.*lost on restart/);
    expect(lines[0]).toMatch(/stores\.mongo.*allowMemoryDurableStores/);
  });

  it('names only what is in memory when the audit trail has its own store', () => {
    const audit = { head: async () => null, insert: async () => 'ok', list: async function* () {} } as never;
    expect(stderrOf({ environment: 'development', stores: { redis, audit } })[0]).toMatch(/keeps phone bindings and enrolled factors in/);
  });

  it('stays quiet when nothing is split, or the split was chosen', () => {
    expect(stderrOf({ environment: 'development', stores: 'memory' })).toEqual([]);
    expect(stderrOf({ environment: 'development', stores: { redis, allowMemoryDurableStores: true } })).toEqual([]);
    expect(stderrOf({ environment: 'development', stores: { redis, mongo } })).toEqual([]);
  });

  it('is written by createStepGuard itself, to the real stderr', () => {
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      createStepGuard({ environment: 'development', stores: { redis } });
      expect(write.mock.calls.map(([text]) => String(text)).join('')).toMatch(/stepguard: WARNING: stores: \{ redis \} without mongo/);
    } finally {
      write.mockRestore();
    }
  });

  it('is refused outright in production', () => {
    expect(() =>
      parseStepGuardOptions({
        environment: 'production',
        stores: { redis },
        secrets: { pepper: randomBytes(36).toString('base64'), sessionSecret: randomBytes(36).toString('base64'), encryptionKeys: { k1: randomBytes(32).toString('base64') } },
      }),
    ).toThrow(/stores\.mongo: required when NODE_ENV=production/);
  });
});
