/**
 * An HTTP client with a cookie jar (one cookie per name) for the bench's flows. With `csrf`, it
 * echoes the newest `csrfToken` a JSON answer carried in `x-csrf-token` (stepguard's demo binds
 * tokens to the session and rotates them on login and step-up).
 */
export type JarClient = {
  cookie(): string;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }>;
  /** Fetches a first CSRF token (stepguard's demo: GET /auth/csrf). */
  init(): Promise<void>;
};

export function jarClient(base: string, options: { csrf?: boolean; headers?: Record<string, string> } = {}): JarClient {
  const jar = new Map<string, string>();
  let csrf = '';
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const request = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        cookie: cookie(),
        accept: 'application/json',
        'content-type': 'application/json',
        ...(options.csrf ? { 'x-csrf-token': csrf } : {}),
        ...options.headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const at = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, at);
      const value = (pair as string).slice(at + 1);
      // An expired cookie (Max-Age=0) leaves the jar.
      if (/max-age=0/i.test(c) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
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
