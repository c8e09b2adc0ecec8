import { Agent, request as httpRequest } from 'node:http';

// No keep-alive: a reused socket the server just timed out would reset a POST mid-flight.
const agent = new Agent({ keepAlive: false, maxSockets: 256 });

/**
 * A minimal HTTP client for load simulations: JSON in and out, a cookie jar, the CSRF token,
 * and a source address per request (any address in 127.0.0.0/8 works on loopback), so one
 * session can appear from many addresses.
 */
export class SimClient {
  private readonly cookies = new Map<string, string>();
  private csrfToken = '';

  constructor(
    private readonly port: number,
    public localAddress: string,
  ) {}

  async request(method: 'GET' | 'POST', path: string, body?: object, localAddress = this.localAddress): Promise<{ status: number; body: Record<string, unknown> }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          localAddress,
          agent,
          headers: {
            accept: 'application/json',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}),
            ...(this.csrfToken ? { 'x-csrf-token': this.csrfToken } : {}),
            ...(this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
          },
        },
        (res) => {
          for (const line of res.headers['set-cookie'] ?? []) {
            const [pair = ''] = line.split(';');
            const eq = pair.indexOf('=');
            if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: Record<string, unknown> = {};
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              parsed = { text };
            }
            // Tokens are bound to the session and rotate on login and step-up: keep the newest.
            if (typeof parsed.csrfToken === 'string') this.csrfToken = parsed.csrfToken;
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      req.setTimeout(15_000, () => req.destroy(new Error(`timeout ${method} ${path}`)));
      if (payload) req.write(payload);
      req.end();
    });
  }

  async csrf(): Promise<void> {
    this.csrfToken = String((await this.request('GET', '/auth/csrf')).body.csrfToken ?? '');
  }

  /** A fresh account, signed in (the password is fresh, as binding a first number requires). */
  async signUpAndLogIn(username: string, password: string): Promise<void> {
    await this.csrf();
    const created = await this.request('POST', '/auth/signup', { username, password });
    if (created.status !== 201) throw new Error(`signup ${username}: ${created.status} ${JSON.stringify(created.body)}`);
    const login = await this.request('POST', '/auth/login', { username, password });
    if (login.status !== 200) throw new Error(`login ${username}: ${login.status} ${JSON.stringify(login.body)}`);
    await this.csrf();
  }
}

/** Runs `tasks` with at most `limit` in flight. */
export async function inParallel<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await (tasks[i] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
