import { Agent, request as httpRequest } from 'node:http';

/**
 * An HTTP client with a cookie jar (one cookie per name) for the bench's flows. With `csrf`, it
 * echoes the newest `csrfToken` a JSON answer carried in `x-csrf-token` (stepguard's demo binds
 * tokens to the session and rotates them on login and step-up).
 *
 * It speaks plain `node:http` on kept-alive sockets rather than `fetch`: the load generator
 * shares the 2-core machine with the servers it measures, and undici's per-request work cost
 * about as much CPU as a stepguard step-up itself, taking a core's share from whichever server
 * ran. Both sides of every comparison use this same client.
 */
export type JarClient = {
  cookie(): string;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Fetches a first CSRF token (stepguard's demo: GET /auth/csrf). */
  init(): Promise<void>;
};

// One pool of kept-alive sockets per server, shared by all its clients (as a browser fleet's
// connections would be spread over the server's accept queue).
const agents = new Map<string, Agent>();
const agentFor = (origin: string): Agent => {
  let agent = agents.get(origin);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
    agents.set(origin, agent);
  }
  return agent;
};

export function jarClient(base: string, options: { csrf?: boolean; headers?: Record<string, string> } = {}): JarClient {
  const url = new URL(base);
  const agent = agentFor(url.origin);
  const jar = new Map<string, string>();
  let csrf = '';
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const send = (method: string, path: string, body: string | undefined) =>
    new Promise<{ status: number; setCookie: string[]; text: string }>((resolve, reject) => {
      const headers: Record<string, string> = {
        host: url.host,
        cookie: cookie(),
        accept: 'application/json',
        'content-type': 'application/json',
        ...(options.csrf ? { 'x-csrf-token': csrf } : {}),
        ...options.headers,
      };
      if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [], text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await send(method, path, body === undefined ? undefined : JSON.stringify(body));
    for (const c of res.setCookie) {
      const [pair] = c.split(';');
      const at = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, at);
      const value = (pair as string).slice(at + 1);
      // An expired cookie (Max-Age=0) leaves the jar.
      if (/max-age=0/i.test(c) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(res.text) as Record<string, unknown>;
    } catch {
      // Not JSON (an HTML page, an empty 204): callers read the status.
    }
    if (options.csrf && typeof json.csrfToken === 'string') csrf = json.csrfToken;
    return { status: res.status, json };
  };
  return {
    cookie,
    request,
    async init() {
      if (options.csrf) csrf = String((await request('GET', '/auth/csrf')).json.csrfToken);
    },
  };
}
