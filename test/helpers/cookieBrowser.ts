/** One answer as a browser sees it before following a redirect. */
export type BrowserResponse = { url: string; status: number; location: string | undefined; text: string };

type StoredCookie = { name: string; value: string; path: string };

/**
 * A browser without a renderer, over real HTTP: a cookie jar that honours each cookie's Path
 * (oidc-provider scopes its interaction cookies to one URL), redirects followed by hand so a
 * test sees every hop, forms posted as a browser posts them.
 */
export class CookieBrowser {
  private cookies: StoredCookie[] = [];

  constructor(readonly baseUrl: string) {}

  /** A copy of this browser's cookies: the same person on another tab, or an attacker holding them. */
  clone(): CookieBrowser {
    const copy = new CookieBrowser(this.baseUrl);
    copy.cookies = this.cookies.map((c) => ({ ...c }));
    return copy;
  }

  cookieNames(): string[] {
    return this.cookies.map((c) => c.name);
  }

  /** `name=value` of every cookie this browser holds whose name matches, whatever its path (for forged requests). */
  cookiesNamed(pattern: RegExp): string[] {
    return this.cookies.filter((c) => pattern.test(c.name)).map((c) => `${c.name}=${c.value}`);
  }

  /** The CSRF token stepguard hands this browser's session (GET <basePath>/csrf). */
  async csrfToken(basePath = '/auth/2fa'): Promise<string> {
    const res = await this.request('GET', `${basePath}/csrf`, undefined, { accept: 'application/json' });
    return (JSON.parse(res.text) as { csrfToken: string }).csrfToken;
  }

  async request(method: 'GET' | 'POST', url: string, form?: Record<string, string>, headers: Record<string, string> = {}): Promise<BrowserResponse> {
    const target = new URL(url, this.baseUrl);
    const sent = this.cookies.filter((c) => target.pathname === c.path || target.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`));
    const res = await fetch(target, {
      method,
      redirect: 'manual',
      headers: {
        accept: 'text/html,application/xhtml+xml',
        ...(sent.length ? { cookie: sent.map((c) => `${c.name}=${c.value}`).join('; ') } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) this.store(line, target);
    const location = res.headers.get('location') ?? undefined;
    return { url: target.href, status: res.status, location: location ? new URL(location, target).href : undefined, text: await res.text() };
  }

  get(url: string): Promise<BrowserResponse> {
    return this.request('GET', url);
  }

  /** Follows redirects from `url` until an answer that is not one, or a location `stop` accepts (not fetched). */
  async follow(url: string, stop: (location: string) => boolean = () => false, maxHops = 15): Promise<{ final: BrowserResponse; hops: string[]; stoppedAt?: string }> {
    const hops: string[] = [];
    let res = await this.get(url);
    hops.push(res.url);
    while (res.location && res.status >= 300 && res.status < 400) {
      if (stop(res.location)) return { final: res, hops, stoppedAt: res.location };
      if (hops.length >= maxHops) throw new Error(`more than ${maxHops} redirects: ${hops.join(' -> ')}`);
      res = await this.get(res.location);
      hops.push(res.url);
    }
    return { final: res, hops };
  }

  /** Posts a form as a browser does, then follows where it leads. */
  async submit(url: string, form: Record<string, string>, stop: (location: string) => boolean = () => false): Promise<{ final: BrowserResponse; hops: string[]; stoppedAt?: string }> {
    const res = await this.request('POST', url, form);
    if (!res.location || res.status < 300 || res.status >= 400) return { final: res, hops: [res.url] };
    if (stop(res.location)) return { final: res, hops: [res.url], stoppedAt: res.location };
    const rest = await this.follow(res.location, stop);
    return { ...rest, hops: [res.url, ...rest.hops] };
  }

  private store(line: string, url: URL): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
    const path = attr('path') ?? (url.pathname.replace(/\/[^/]*$/, '') || '/');
    const expires = attr('expires');
    const removed = attr('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now()) || value === '';
    this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
    if (!removed) this.cookies.push({ name, value, path });
  }
}
