import { loggedPath } from '../../src/demo/loggedPath';

describe('the demo request log', () => {
  it('names the route, never the id, of an interaction or a stashed form', () => {
    expect(loggedPath('/oidc/interaction/Xk2p9a8sdf7/login')).toBe('/oidc/interaction/:id/login');
    expect(loggedPath('/oidc/interaction/Xk2p9a8sdf7')).toBe('/oidc/interaction/:id');
    expect(loggedPath('/auth/2fa/continue/c0ffee-1234')).toBe('/auth/2fa/continue/:id');
    expect(loggedPath('/account')).toBe('/account');
    expect(loggedPath('/oidc/.well-known/openid-configuration')).toBe('/oidc/.well-known/openid-configuration');
  });
});
