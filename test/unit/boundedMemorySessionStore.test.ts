import type { SessionData } from 'express-session';
import { BoundedMemorySessionStore } from '../../src/demo/BoundedMemorySessionStore';

const T0 = Date.UTC(2026, 0, 15);
const data = (signedIn: boolean, nowMs: number, maxAgeMs = 12 * 3600_000): SessionData =>
  ({ cookie: { expires: new Date(nowMs + maxAgeMs), originalMaxAge: maxAgeMs }, ...(signedIn ? { passport: { user: 'u1' } } : {}) }) as unknown as SessionData;

const get = (store: BoundedMemorySessionStore, sid: string) =>
  new Promise<SessionData | null | undefined>((resolve, reject) => store.get(sid, (err, s) => (err ? reject(err) : resolve(s))));
const set = (store: BoundedMemorySessionStore, sid: string, s: SessionData) => new Promise<void>((resolve) => store.set(sid, s, () => resolve()));

describe('the demo session store without Redis (16.10)', () => {
  it('keeps at most maxAnonymous sessions without a user, least recently used out first', async () => {
    const now = T0;
    const store = new BoundedMemorySessionStore({ maxAnonymous: 100, now: () => now });
    await set(store, 'signed-in', data(true, now));
    for (let i = 0; i < 5000; i += 1) await set(store, `anon-${i}`, data(false, now));
    expect(store.sizes).toEqual({ anonymous: 100, signedIn: 1 });
    expect(await get(store, 'anon-0')).toBeNull();
    expect(await get(store, 'anon-4999')).toMatchObject({ cookie: expect.anything() });
    // A flood of anonymous sessions never pushes out a signed-in one.
    expect(await get(store, 'signed-in')).toMatchObject({ passport: { user: 'u1' } });
  });

  it('keeps an anonymous session at most anonymousTtlMs, a signed-in one as long as its cookie', async () => {
    let now = T0;
    const store = new BoundedMemorySessionStore({ anonymousTtlMs: 3600_000, now: () => now });
    await set(store, 'anon', data(false, now));
    await set(store, 'user', data(true, now));
    now += 3600_000;
    expect(await get(store, 'anon')).toBeNull();
    expect(await get(store, 'user')).not.toBeNull();
    now += 11 * 3600_000;
    expect(await get(store, 'user')).toBeNull();
    expect(store.sizes).toEqual({ anonymous: 0, signedIn: 0 });
  });

  it('moves a session to the signed-in kind when a user signs in, and forgets it on destroy', async () => {
    const now = T0;
    const store = new BoundedMemorySessionStore({ now: () => now });
    await set(store, 's', data(false, now));
    await set(store, 's', data(true, now));
    expect(store.sizes).toEqual({ anonymous: 0, signedIn: 1 });
    await new Promise<void>((resolve) => store.destroy('s', () => resolve()));
    expect(await get(store, 's')).toBeNull();
  });
});
