// A minimal browser-like HTTP client for the pack test: keeps cookies, never follows redirects.

const REQUEST_TIMEOUT_MS = 10_000;

/** A client for `http://127.0.0.1:<port>` with its own cookie jar. */
export function createHttpClient(port) {
  const cookies = new Map();
  const origin = `http://127.0.0.1:${port}`;

  /**
   * Sends one request. `json` sends a JSON body, `form` an urlencoded one. Resolves with the
   * status, headers and the body (parsed when the answer is JSON).
   */
  async function request(method, path, { json, form, headers = {} } = {}) {
    const sent = { accept: 'application/json', ...headers };
    let body;
    if (json !== undefined) {
      sent['content-type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      sent['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    if (cookies.size > 0) sent.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(`${origin}${path}`, { method, headers: sent, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
    return { status: response.status, headers: response.headers, body: isJson ? JSON.parse(text) : text };
  }

  return { request };
}
