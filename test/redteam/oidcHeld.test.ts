import * as client from 'openid-client';
import { advanceSeconds, useOidcHost } from '../helpers/oidcHostApp';

describe('red team: stepguard/oidc attacks that held', () => {
  const oidc = useOidcHost();
  const { authorize, stepUpBySms, tokensOf } = oidc;

  it('an aal2 access token past its lifetime gets 401 at requireStepUpToken', async () => {
    const browser = await oidc.host.signedIn('alice');
    const { attempt } = await authorize(browser, { acr_values: 'aal2' });
    const tokens = await tokensOf((await stepUpBySms(browser)).stoppedAt, attempt);
    advanceSeconds(601);
    const after = await fetch(`${oidc.host.baseUrl}/api/sensitive`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(after.status).toBe(401);
  });

  it('userinfo carries no acr even when the claims parameter asks for it essentially, and a code is redeemed once', async () => {
    const browser = await oidc.host.signedIn('alice');
    const { attempt, stoppedAt } = await authorize(browser, { claims: JSON.stringify({ userinfo: { acr: { essential: true }, amr: null, auth_time: null } }) });
    const tokens = await tokensOf(stoppedAt, attempt);
    const info = await client.fetchUserInfo(oidc.host.rp.config, tokens.access_token, client.skipSubjectCheck);
    expect(info.acr).toBeUndefined();
    await expect(tokensOf(stoppedAt, attempt)).rejects.toThrow();
  });
});
