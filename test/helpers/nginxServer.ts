import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redisServer';

export const NGINX_BIN = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => spawnSync(p, ['-v'], { stdio: 'ignore' }).status === 0);

export type RunningNginx = { port: number; stop(): Promise<void>; errorLog(): string };

/**
 * Starts Debian's nginx in the foreground with a generated config: `auth_request` to stepguard's
 * forward-auth in front of `/app/`, everything else proxied to the app (login, step-up pages).
 * With `gate: 'everything'` it is the README's shape instead: every path goes through
 * `auth_request` to the upstream, except `/auth/` (the app's login and step-up pages).
 * X-Original-URL is built from `$host` (nginx's validated, lower-cased host without port or
 * trailing dot), as the README says, never from the client's raw `$http_host`.
 */
export async function startNginxGateway(options: { appPort: number; upstreamPort: number; gate?: 'app' | 'everything' }): Promise<RunningNginx> {
  if (!NGINX_BIN) throw new Error('nginx is not installed');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'stepguard-nginx-'));
  for (const sub of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location = /_stepguard {
      internal;
      proxy_pass http://127.0.0.1:${options.appPort}/auth/2fa/forward-auth;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-URL $scheme://$host$request_uri;
      proxy_set_header X-Forwarded-Method $request_method;
    }
    location ${options.gate === 'everything' ? '/' : '/app/'} {
      auth_request /_stepguard;
      auth_request_set $sg_user $upstream_http_remote_user;
      auth_request_set $sg_acr $upstream_http_remote_acr;
      proxy_set_header Remote-User $sg_user;
      proxy_set_header Remote-Acr $sg_acr;
      proxy_pass http://127.0.0.1:${options.upstreamPort};
    }
    location ${options.gate === 'everything' ? '/auth/' : '/'} {
      proxy_set_header Host $http_host;
      proxy_pass http://127.0.0.1:${options.appPort};
    }
  }
}
`;
  const confPath = join(dir, 'nginx.conf');
  writeFileSync(confPath, conf);
  const child: ChildProcess = spawn(NGINX_BIN, ['-p', dir, '-c', confPath], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error('nginx did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
