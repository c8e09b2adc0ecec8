import { identityHeaders } from '../../src/core/forward/identityHeaders';

/**
 * Red team: upstreams behind the gateway trust Remote-User / Remote-Groups as identity. Values are
 * trimmed (String.prototype.trim: also NBSP, U+2028, U+3000, U+FEFF) before encoding, so a user
 * whose directory username is "alice\u00A0" or " alice" is announced as "alice", and a group
 * " admins" as "admins". Such values must be sent percent-encoded, never folded onto another name.
 */
const NAMES = { user: 'Remote-User', email: 'Remote-Email', name: 'Remote-Name', groups: 'Remote-Groups' };

describe('identity headers never fold one name onto another', () => {
  it.each([' alice', 'alice ', 'alice\u00A0', '\u3000alice', 'alice\u2028', '\uFEFFalice', 'alice\t'])('username %j is not announced as "alice"', (username) => {
    expect(identityHeaders('u-mallory', { username }, NAMES)['Remote-User']).not.toBe('alice');
  });

  it('a group " admins " is not announced as the group "admins"', () => {
    const groups = identityHeaders('u-mallory', { username: 'mallory', groups: [' admins ', 'users'] }, NAMES)['Remote-Groups'];
    expect(groups?.split(',')).not.toContain('admins');
  });
});
