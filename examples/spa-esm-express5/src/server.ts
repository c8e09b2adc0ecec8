import { randomBytes } from 'node:crypto';
import { createApp } from './createApp.js';
import { createTerminalSmsProvider } from './terminalSmsProvider.js';

const port = Number(process.env.PORT ?? 3000);
const app = createApp({
  appOrigin: process.env.APP_ORIGIN ?? `http://localhost:${port}`,
  // Without SESSION_SECRET, sessions end when the process does: fine for trying it out.
  sessionSecret: process.env.SESSION_SECRET ?? randomBytes(32).toString('base64url'),
  sms: createTerminalSmsProvider(),
});

app.listen(port, (err?: Error) => {
  if (err) throw err;
  console.log(`stepguard SPA example on http://localhost:${port}`);
});
