import { createTestApp } from '../helpers/createTestApp';

describe('demo accounts', () => {
  it('signs up, refuses a taken name and bad input, and logs the new user in', async () => {
    const t = await createTestApp();
    const c = await t.client();
    const created = await c.post('/auth/signup', { username: 'bob', password: 'correct horse battery' }).expect(201);
    expect(created.body.user).toEqual({ id: expect.any(String), username: 'bob' });
    expect((await c.post('/auth/signup', { username: 'BOB', password: 'another long password' }).expect(409)).body.error.code).toBe('username_taken');
    for (const body of [{}, { username: 'x', password: 'long enough password' }, { username: 'carol', password: 'short' }, { username: 'carol', password: 42 }, { username: 'ca rol', password: 'long enough password' }]) {
      const res = await c.post('/auth/signup', body).expect(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', field: expect.any(String) });
    }
    await c.login('bob', 'wrong password here').expect(401);
    const login = await c.login('bob', 'correct horse battery').expect(200);
    expect(login.body.secondFactor.available).toEqual([]);
    // No phone bound yet: the step-up says so instead of failing obscurely.
    expect((await c.send().expect(409)).body.error.code).toBe('no_phone');
  });
});
