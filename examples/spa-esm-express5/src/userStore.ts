import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';

export type User = { id: string; username: string };
type StoredUser = User & { salt: Buffer; hash: Buffer };

const USERNAME = /^[a-zA-Z0-9._-]{3,64}$/;

function hashPassword(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, 32, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Accounts in memory: the stand-in for your own user table. */
export class UserStore {
  private readonly byName = new Map<string, StoredUser>();
  private readonly byId = new Map<string, StoredUser>();
  // Unknown names are checked against this, so a wrong name costs as long as a wrong password.
  private readonly decoy = { salt: randomBytes(16), hash: randomBytes(32) };

  /** `null` when the name is taken; throws on input the form should have refused. */
  async create(username: string, password: string): Promise<User | null> {
    if (!USERNAME.test(username)) throw new RangeError('username: 3 to 64 letters, digits, dot, dash or underscore');
    if (password.length < 12 || password.length > 256) throw new RangeError('password: 12 to 256 characters');
    if (this.byName.has(username)) return null;
    const salt = randomBytes(16);
    const user: StoredUser = { id: randomUUID(), username, salt, hash: await hashPassword(password, salt) };
    this.byName.set(username, user);
    this.byId.set(user.id, user);
    return { id: user.id, username };
  }

  async verify(username: string, password: string): Promise<User | null> {
    const stored = this.byName.get(username);
    const { salt, hash } = stored ?? this.decoy;
    const matches = timingSafeEqual(await hashPassword(password, salt), hash);
    return stored && matches ? { id: stored.id, username: stored.username } : null;
  }

  get(id: string): User | undefined {
    const stored = this.byId.get(id);
    return stored ? { id: stored.id, username: stored.username } : undefined;
  }
}
