import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { createTestApp, type TestApp } from './createTestApp';

export type BrowserSuite<S> = {
  /** One Chromium for the describe block (launched in beforeAll). */
  readonly browser: Browser;
  /** This test's server, started in beforeEach and closed in afterEach. */
  readonly server: S;
  /** Script errors of the pages given to {@link BrowserSuite.watch}; afterEach expects none. */
  readonly pageErrors: string[];
  /** A browser context closed after the test. */
  newContext(options?: BrowserContextOptions): Promise<BrowserContext>;
  /** Records the page's script errors (each one fails the test in afterEach). */
  watch(page: Page): Page;
};

/**
 * The set-up the Chromium suites shared, as jest hooks: Chromium launched once, `start()` for
 * each test, and after each test its contexts closed, its server closed and no page error.
 * Call it in the describe block; read the accessors inside tests and hooks only.
 */
export function browserSuite<S extends { close(): Promise<void> }>(start: () => Promise<S>): BrowserSuite<S> {
  let browser: Browser | undefined;
  let server: S | undefined;
  const contexts: BrowserContext[] = [];
  let pageErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    server = await start();
    pageErrors = [];
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await server?.close();
    // Any script error on any page fails the test, even when its steps passed.
    expect(pageErrors).toEqual([]);
  });

  const suite: BrowserSuite<S> = {
    get browser() {
      if (!browser) throw new Error('browserSuite: Chromium is launched in beforeAll; use it inside a test or hook');
      return browser;
    },
    get server() {
      if (!server) throw new Error('browserSuite: the server is started in beforeEach; use it inside a test or hook');
      return server;
    },
    get pageErrors() {
      return pageErrors;
    },
    async newContext(options) {
      const context = await suite.browser.newContext(options);
      contexts.push(context);
      return context;
    },
    watch(page) {
      page.on('pageerror', (err) => pageErrors.push(err.message));
      return page;
    },
  };
  return suite;
}

/** createTestApp() listening on a loopback port of its own. */
export type ListeningTestApp = { t: TestApp; base: string; close(): Promise<void> };

export async function listenTestApp(): Promise<ListeningTestApp> {
  const t = await createTestApp();
  const server: Server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    t,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await t.close();
    },
  };
}

/** {@link browserSuite} against the in-process demo (createTestApp), with its `t` and base URL. */
export function browserAgainstTestApp(): BrowserSuite<ListeningTestApp> & { readonly t: TestApp; readonly base: string } {
  const suite = browserSuite(listenTestApp);
  return Object.defineProperties(suite, {
    t: { get: () => suite.server.t },
    base: { get: () => suite.server.base },
  }) as BrowserSuite<ListeningTestApp> & { t: TestApp; base: string };
}
