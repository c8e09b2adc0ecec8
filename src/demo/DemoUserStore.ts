import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

const SCRYPT = { N: 16384, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

export type DemoUser = { id: string; username: string };

type StoredUser = DemoUser & { salt: Buffer; hash: Buffer };

/**
 * The demo's accounts: in memory, passwords hashed with scrypt. A host app has its own user
 * store; stepguard never sees passwords.
 */
export class DemoUserStore {
  private readonly byName = new Map<string, StoredUser>();
  private readonly byId = new Map<string, StoredUser>();
  private nextId = 1;
  // Unknown usernames are checked against this so that timing does not reveal which exist.
  private readonly dummy = { salt: randomBytes(16), hash: randomBytes(KEY_LENGTH) };

  async create(username: string, password: string): Promise<DemoUser | null> {
    const key = username.toLowerCase();
    if (this.byName.has(key)) return null;
    const salt = randomBytes(16);
    const hash = await scrypt(password, salt, KEY_LENGTH, SCRYPT);
    if (this.byName.has(key)) return null;
    const user: StoredUser = { id: `u${this.nextId++}`, username, salt, hash };
    this.byName.set(key, user);
    this.byId.set(user.id, user);
    return { id: user.id, username };
  }

  async verify(username: string, password: string): Promise<DemoUser | null> {
    const user = this.byName.get(username.toLowerCase());
    const { salt, hash } = user ?? this.dummy;
    const candidate = await scrypt(password, salt, KEY_LENGTH, SCRYPT);
    const match = timingSafeEqual(candidate, hash);
    return user && match ? { id: user.id, username: user.username } : null;
  }

  /** The id of the account with this username, if there is one (for audit records, never for answers). */
  idOf(username: string): string | null {
    return this.byName.get(username.toLowerCase())?.id ?? null;
  }

  get(id: string): DemoUser | null {
    const user = this.byId.get(id);
    return user ? { id: user.id, username: user.username } : null;
  }
}
