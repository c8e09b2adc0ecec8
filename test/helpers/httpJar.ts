import { Agent, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export type JarResponse = {
  status: number;
  /** Parsed JSON, or the text when the answer is not JSON. */
  body: any;
  method: string;
  path: string;
};

// One keep-alive pool for every jar: node:http is several times faster than fetch per request here.
const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });

/** The demo app on a loopback port, so several cookie jars can talk to it at once. */
export async function listen(app: Express): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A JSON client with a cookie jar of its own: one browser, one tab, or an attacker's copy of
 * someone's cookies. `clone()` is the cookie thief; a pinned cookie keeps the value it was
 * captured with whatever the server answers (a replayed cookie is replayed as captured).
 */
export class HttpJar {
  private readonly cookies: Map<string, string>;
  private readonly pinned = new Set<string>();
  /** The CSRF token this jar sends; refreshed from every JSON answer that carries one. */
  csrfToken: string | undefined;
  /** Told about every answer (tracing). */
  observe: ((res: JarResponse) => void) | undefined;

  constructor(
    readonly baseUrl: string,
    readonly name: string,
    cookies: Map<string, string> = new Map(),
  ) {
    this.cookies = new Map(cookies);
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  /** A copy of this jar's cookies (only `names` when given), as an attacker would hold them. */
  clone(name: string, names?: string[]): HttpJar {
    const copied = new Map([...this.cookies].filter(([k]) => !names || names.includes(k)));
    const copy = new HttpJar(this.baseUrl, name, copied);
    // The whole jar is the same browser (its page holds the token); a single stolen cookie is not.
    if (!names) copy.csrfToken = this.csrfToken;
    return copy;
  }

  /** From now on the server cannot replace or clear this cookie in the jar. */
  pin(cookieName: string): this {
    this.pinned.add(cookieName);
    return this;
  }

  get(path: string): Promise<JarResponse> {
    return this.send('GET', path);
  }

  /** A state-changing request with the jar's CSRF token (fetched, or refetched once after a 403 csrf_failed). */
  async post(path: string, body: object = {}): Promise<JarResponse> {
    if (!this.csrfToken) await this.refreshCsrf();
    let res = await this.send('POST', path, body);
    if (res.status === 403 && res.body?.error?.code === 'csrf_failed') {
      await this.refreshCsrf();
      res = await this.send('POST', path, body);
    }
    return res;
  }

  async refreshCsrf(): Promise<void> {
    const res = await this.send('GET', '/auth/csrf');
    if (res.status !== 200 || typeof res.body?.csrfToken !== 'string') throw new Error(`${this.name}: GET /auth/csrf answered ${res.status}`);
  }

  private async send(method: string, path: string, body?: object): Promise<JarResponse> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (method !== 'GET') {
      headers['content-type'] = 'application/json';
      if (this.csrfToken) headers['x-csrf-token'] = this.csrfToken;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
    const res = await new Promise<{ status: number; setCookie: string[]; contentType: string; text: string }>((resolve, reject) => {
      const req = request(`${this.baseUrl}${path}`, { method, headers, agent: keepAlive }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () =>
          resolve({
            status: answer.statusCode ?? 0,
            setCookie: answer.headers['set-cookie'] ?? [],
            contentType: String(answer.headers['content-type'] ?? ''),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        answer.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
    for (const line of res.setCookie) this.store(line);
    const text = res.text;
    let parsed: unknown = text;
    if (res.contentType.includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    const token = (parsed as { csrfToken?: unknown } | null)?.csrfToken;
    if (typeof token === 'string') this.csrfToken = token;
    const answer = { status: res.status, body: parsed, method, path };
    this.observe?.(answer);
    return answer;
  }

  private store(setCookie: string): void {
    const [pair, ...attributes] = setCookie.split(';');
    const eq = pair?.indexOf('=') ?? -1;
    if (!pair || eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    if (this.pinned.has(name)) return;
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => {
      const [k, v] = a.split('=').map((s) => s.trim());
      if (k?.toLowerCase() === 'max-age') return Number(v) <= 0;
      if (k?.toLowerCase() === 'expires') return Date.parse(v ?? '') <= Date.now();
      return false;
    });
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}
