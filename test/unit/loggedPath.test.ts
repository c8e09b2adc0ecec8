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

describe('the demo request log, as written', () => {
  it('logs the full path of a request that went through stepguard\'s router, not the path inside it', async () => {
    const { createTestApp } = await import('../helpers/createTestApp');
    const t = await createTestApp();
    try {
      const c = await t.client();
      await c.login();
      await c.stepUp();
      const paths = t.logs().split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { path?: string }).path).filter(Boolean);
      expect(paths).toContain('/auth/2fa/sms/send');
      expect(paths).not.toContain('/sms/send');
    } finally {
      await t.close();
    }
  });
});
