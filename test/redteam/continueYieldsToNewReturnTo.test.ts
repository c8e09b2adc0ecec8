import request from 'supertest';
import { createFormHostApp, FORM_HOST_USERS, type FormHost } from '../helpers/formHostApp';
import { fakeClock } from '../helpers/fakeClock';

/**
 * Red team: a guarded form the user abandoned (refused for a step-up, never stepped up for) stays
 * in the session with its continueId for 5 minutes. A later step-up started for something else —
 * here from a link `/auth/2fa?returnTo=...`, which any site can send the user to — lands on the
 * abandoned form's "Continue" page instead of the returnTo the user was sent for.
 */
const HTML = 'text/html,application/xhtml+xml';
const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('an abandoned guarded form', () => {
  let host: FormHost;
  beforeEach(async () => {
    host = await createFormHostApp({ clock: fakeClock() });
  });

  it('does not replace the returnTo of a later step-up started from a link', async () => {
    const agent = request.agent(host.app);
    const first = (await agent.get('/auth/2fa/csrf').expect(200)).body.csrfToken as string;
    const login = await agent.post('/login').set('accept', 'application/json').set('x-csrf-token', first).send({ username: 'alice', password: FORM_HOST_USERS.alice.password }).expect(200);
    await agent
      .post('/settings')
      .set('accept', HTML)
      .set('sec-fetch-site', 'same-origin')
      .type('form')
      .send(new URLSearchParams([['_csrf', login.body.csrfToken as string], ['displayName', 'abandoned']]).toString())
      .expect(303);
    // The user walks away. Later, a link (from anywhere) starts a step-up for another page.
    const choose = await agent.get('/auth/2fa?returnTo=%2Fsettings%3Ftab%3Dsecurity').set('accept', HTML).expect(200);
    await agent.post('/auth/2fa/sms/send').set('accept', HTML).type('form').send({ _csrf: csrfOf(choose.text) }).expect(303);
    const codePage = await agent.get('/auth/2fa/sms').set('accept', HTML).expect(200);
    const done = await agent.post('/auth/2fa/sms/verify').set('accept', HTML).type('form').send({ _csrf: csrfOf(codePage.text), code: host.sms.lastCode() }).expect(303);
    expect(done.headers.location).toBe('/settings?tab=security');
  });
});
