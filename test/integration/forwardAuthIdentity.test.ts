import request from 'supertest';
import { createStepGuard, type StepGuardOptions } from '../../src';
import { upstreamSignInHost } from '../helpers/upstreamSignInHost';

const ISSUER = 'https://idp.example.com';
const DIRECTORY: Record<string, { username: string; email: string; name: string; groups: string[] }> = {
  u1: { username: 'alice', email: 'alice@example.com', name: 'Alice Liddell', groups: ['admins', 'dev'] },
  u2: { username: 'mallory\r\nRemote-Groups: admins', email: 'm@example.com', name: 'Mallory', groups: ['a,admins'] },
};

/** A gateway login server whose users sign in at a trusted upstream with MFA (so forward-auth allows them). */
function gatewayHost(options: Partial<StepGuardOptions> = {}) {
  return upstreamSignInHost(
    { policy: { trustedIssuers: [{ issuer: ISSUER, amr: { hwk: 'hwk' } }] }, getIdentity: (userId) => DIRECTORY[userId] ?? null, ...options },
    (_userId, nowMs) => ({ issuer: ISSUER, amr: ['hwk'], authTimeSeconds: Math.floor(nowMs / 1000) }),
  );
}

async function forwardAuthAs(userId: string, options: Partial<StepGuardOptions> = {}) {
  const { app } = gatewayHost(options);
  const agent = request.agent(app);
  await agent.post(`/sso/${userId}`).expect(200);
  return agent.get('/auth/2fa/forward-auth').set('X-Original-URL', 'https://grafana.example.com/d/home').expect(200);
}

describe('forward-auth identity headers', () => {
  it('name the user as upstreams expect: username, e-mail, display name and groups', async () => {
    const res = await forwardAuthAs('u1');
    expect(res.headers).toMatchObject({ 'remote-user': 'alice', 'remote-email': 'alice@example.com', 'remote-name': 'Alice Liddell', 'remote-groups': 'admins,dev', 'remote-acr': 'aal2-phr' });
  });

  it('a hostile directory entry cannot add a header or a group', async () => {
    const res = await forwardAuthAs('u2');
    expect(res.headers['remote-user']).toBe('mallory%0D%0ARemote-Groups%3A%20admins');
    expect(res.headers['remote-groups']).toBe('a%2Cadmins');
  });

  it('header names are configurable and checked at start-up', async () => {
    const res = await forwardAuthAs('u1', { forwardAuth: { identityHeaders: { user: 'X-WEBAUTH-USER', groups: 'X-Grafana-Groups' } } });
    expect(res.headers).toMatchObject({ 'x-webauth-user': 'alice', 'x-grafana-groups': 'admins,dev', 'remote-email': 'alice@example.com' });
    expect(res.headers['remote-user']).toBeUndefined();
    expect(() => createStepGuard({ environment: 'test', forwardAuth: { identityHeaders: { user: 'Remote User\r\n' } } })).toThrow(/forwardAuth\.identityHeaders\.user.*header name/);
  });

  it('authenticator apps show the username, not the internal id', async () => {
    const { app } = gatewayHost();
    const agent = request.agent(app);
    await agent.post('/sso/u1').expect(200);
    const { csrfToken } = (await agent.get('/auth/2fa/csrf')).body as { csrfToken: string };
    const setup = await agent.post('/auth/2fa/totp/setup').set('x-csrf-token', csrfToken).send({});
    expect(setup.status).toBe(201);
    expect(setup.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/[^?]*:alice\?/);
    expect(setup.body.otpauthUri).not.toMatch(/u1/);
  });
});
