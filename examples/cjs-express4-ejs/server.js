'use strict';
const { randomBytes } = require('node:crypto');
const { createApp } = require('./app');

const port = Number(process.env.PORT || 3000);
const app = createApp({
  appOrigin: process.env.APP_ORIGIN || `http://localhost:${port}`,
  // Without SESSION_SECRET, sessions end when the process does: fine for trying it out.
  sessionSecret: process.env.SESSION_SECRET || randomBytes(32).toString('base64url'),
});

app.listen(port, () => console.log(`stepguard EJS forms example on http://localhost:${port}`));
