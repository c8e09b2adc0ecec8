import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Request } from 'express';
import ejs from 'ejs';
import type { StepGuardConfig } from '../config';
import { isPageTextKey, pageLocaleFor, pageText } from '../core/messages/pageText';
import { packageRoot } from './packageRoot';
import { pageHelpers } from './pageHelpers';

/** Renders one of stepguard's pages, in the request's language and the host's layout. */
export type ViewRenderer = (name: string, data: Record<string, unknown>, req?: Request) => Promise<string>;

type RendererConfig = Pick<StepGuardConfig, 'http' | 'pages' | 'sms' | 'serviceName' | 'trustedDevices' | 'getUserLocale'>;

/**
 * Renders stepguard's EJS pages. A page is rendered as a fragment (`<div class="sg-root">`),
 * then put into a document: stepguard's own, the host's EJS layout (`pages.layoutFile`, which
 * prints `<%- body %>`) or the host's hook (`pages.render`). The words come from the page
 * catalogue in the request's locale: the user's setting, then Accept-Language.
 *
 * A host app overrides any page by putting a file of the same name in `http.viewsDirectory`;
 * the rest come from stepguard's own views/.
 */
export function createViewRenderer(config: RendererConfig): ViewRenderer {
  const overrideDirectory = config.http.viewsDirectory;
  const builtIn = join(packageRoot(), 'views');
  const documentFile = join(builtIn, 'stepguard-document.ejs');
  const basePath = config.http.basePath;
  const stylesheet = `${basePath}/assets/stepguard.css`;
  const resolved = new Map<string, string>();
  const locate = (name: string): string => {
    let file = resolved.get(name);
    if (!file) {
      const override = overrideDirectory ? join(overrideDirectory, `${name}.ejs`) : undefined;
      file = override && existsSync(override) ? override : join(builtIn, `${name}.ejs`);
      resolved.set(name, file);
    }
    return file;
  };
  const views = [overrideDirectory ?? builtIn, builtIn];

  return async function renderView(name, data, req) {
    const locale = pageLocaleFor({
      userLocale: req ? config.getUserLocale(req) : undefined,
      acceptLanguage: req?.headers['accept-language'],
      defaultLocale: config.sms.defaultLocale,
    });
    const helpers = pageHelpers(config, locale, req);
    const content = await ejs.renderFile(locate(name), { basePath, ...data, ...helpers }, { cache: true, views });
    const titleKey = `page.${name}.title`;
    const title = typeof data.title === 'string' ? data.title : isPageTextKey(titleKey) ? pageText(locale, titleKey) : config.serviceName;
    const darkClass = config.pages.darkMode ? ' sg-dark-auto' : '';
    const fragment =
      `<div class="sg-root${darkClass}" lang="${locale}" data-sg-view="${helpers.esc(name)}">\n${content}\n</div>\n` +
      `<script src="${basePath}/assets/stepguard.js" defer></script>\n`;
    const locals = { title, lang: locale, stylesheet, darkMode: config.pages.darkMode };
    if (config.pages.render) {
      // The host's layout has no link to stepguard's stylesheet: the fragment brings it (allowed in <body>).
      const html = await config.pages.render(name, { ...locals, body: `<link rel="stylesheet" href="${stylesheet}">\n${fragment}`, data });
      if (typeof html !== 'string') throw new TypeError(`pages.render: must return the page's HTML as a string (or a promise of one); got ${typeof html} for "${name}"`);
      return html;
    }
    if (config.pages.layoutFile) {
      return ejs.renderFile(config.pages.layoutFile, { ...locals, view: name, body: `<link rel="stylesheet" href="${stylesheet}">\n${fragment}` }, { cache: true });
    }
    return ejs.renderFile(documentFile, { ...locals, body: fragment }, { cache: true });
  };
}
