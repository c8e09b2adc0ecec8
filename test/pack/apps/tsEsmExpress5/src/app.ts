// A fresh TypeScript (strict, ESM, nodenext) app on Express 5 and Passport 0.7, written the way
// the README says, that `npm run test:pack` compiles against the packed tarball and drives over
// HTTP. Its only @types are @types/express and @types/node: the types stepguard's own .d.ts need
// (express-session, passport, passport-strategy) must arrive with stepguard. So it checks the
// password with a few lines on passport's own Strategy rather than passport-local (whose @types
// would bring them in too). It brings its own SMS provider, typed with stepguard's SmsProvider,
// that appends each message to OUTBOX_FILE.
import { appendFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import { createStepGuard, type StepGuard } from 'stepguard';
import { createMemoryStores } from 'stepguard/stores';
import type { SmsMessage, SmsProvider, SmsSendResult } from 'stepguard/sms';

type User = { id: string; username: string };
const USER = { id: 'u1', username: 'alice', password: 'alice-pack-password', phone: '+14155550123' };
const outboxFile = process.env.OUTBOX_FILE;
if (!outboxFile) throw new Error('OUTBOX_FILE is not set');
const sessionSecret = 'pack-test-session-secret-0123456789abcdef';

let sent = 0;
const outbox: SmsProvider = {
  name: 'outbox',
  async send(message: SmsMessage): Promise<SmsSendResult> {
    sent += 1;
    await appendFile(outboxFile, `${JSON.stringify({ to: message.to, body: message.body })}\n`, 'utf8');
    return { providerMessageId: `outbox-${sent}`, status: 'delivered' };
  },
};

const guard: StepGuard = createStepGuard({
  environment: 'development',
  stores: { custom: createMemoryStores() },
  secrets: {
    pepper: 'pack-test-pepper-0123456789abcdef0123456789',
    sessionSecret,
    encryptionKeys: { k1: Buffer.alloc(32, 7).toString('base64') },
  },
  sms: { provider: outbox },
});

class PasswordStrategy extends passport.Strategy {
  override name = 'local';
  override authenticate(req: express.Request): void {
    const { username, password } = (req.body ?? {}) as { username?: unknown; password?: unknown };
    if (username === USER.username && password === USER.password) this.success({ id: USER.id, username: USER.username });
    else this.fail(401);
  }
}
passport.use(new PasswordStrategy());
passport.serializeUser((user, done) => done(null, (user as User).id));
passport.deserializeUser((id: string, done) => done(null, id === USER.id ? { id: USER.id, username: USER.username } : false));

const app = express();
app.use(guard.webhooks());
app.use(session({ secret: sessionSecret, resave: false, saveUninitialized: false }), passport.initialize(), passport.session());
app.use(guard.router());
app.use(express.urlencoded({ extended: false }));
app.post('/login', passport.authenticate('local'), guard.firstFactor(), (_req, res) => res.redirect('/account'));
app.get('/account', guard.requireStepUp('login'), (req, res) => {
  res.json({ user: (req.user as User).username, acr: req.stepguard?.acr });
});

await guard.service.bindPhoneUnchecked(USER.id, USER.phone);
const server = app.listen(0, '127.0.0.1', () => console.log(`listening on ${(server.address() as AddressInfo).port}`));
