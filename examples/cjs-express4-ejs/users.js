'use strict';
const { randomBytes, randomUUID, scrypt, timingSafeEqual } = require('node:crypto');

const USERNAME = /^[a-zA-Z0-9._-]{3,64}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,}$/;

function hashPassword(password, salt) {
  return new Promise((resolve, reject) => scrypt(password, salt, 32, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Accounts in memory: the stand-in for your own user table. */
class UserStore {
  constructor() {
    this.byName = new Map();
    this.byId = new Map();
    // Unknown names are checked against this, so a wrong name costs as long as a wrong password.
    this.decoy = { salt: randomBytes(16), hash: randomBytes(32) };
  }

  /** The problem with the input, or null. */
  static problemWith({ username, email, password }) {
    if (typeof username !== 'string' || !USERNAME.test(username)) return 'Username: 3 to 64 letters, digits, dot, dash or underscore.';
    if (typeof email !== 'string' || !EMAIL.test(email)) return 'E-mail: an address such as sam@example.com.';
    if (typeof password !== 'string' || password.length < 12 || password.length > 256) return 'Password: 12 to 256 characters.';
    return null;
  }

  static validEmail(email) {
    return typeof email === 'string' && EMAIL.test(email);
  }

  /** The new user, or null when the name is taken. */
  async create({ username, email, password }) {
    if (this.byName.has(username)) return null;
    const salt = randomBytes(16);
    const user = { id: randomUUID(), username, email, emailChanges: [], salt, hash: await hashPassword(password, salt) };
    this.byName.set(username, user);
    this.byId.set(user.id, user);
    return this.publicView(user);
  }

  async verify(username, password) {
    const stored = this.byName.get(username);
    const { salt, hash } = stored || this.decoy;
    const matches = timingSafeEqual(await hashPassword(String(password), salt), hash);
    return stored && matches ? this.publicView(stored) : null;
  }

  get(id) {
    const stored = this.byId.get(id);
    return stored ? this.publicView(stored) : undefined;
  }

  changeEmail(id, email, { notifyOld }) {
    const stored = this.byId.get(id);
    stored.emailChanges.push({ from: stored.email, to: email, notifyOld, at: new Date().toISOString() });
    stored.email = email;
  }

  publicView(user) {
    return { id: user.id, username: user.username, email: user.email, emailChanges: user.emailChanges.slice() };
  }
}

module.exports = { UserStore };
