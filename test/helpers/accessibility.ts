import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

// What the functions run in the page use; declared here rather than adding the DOM library to the (Node) project.
type El = {
  tagName: string;
  id: string;
  textContent: string | null;
  disabled?: boolean;
  hidden?: boolean;
  type?: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  getClientRects(): { length: number };
  closest(selector: string): El | null;
  matches(selector: string): boolean;
  focus(): void;
};
declare const document: {
  activeElement: El | null;
  body: El & { prepend(el: El): void };
  querySelectorAll(selector: string): Iterable<El>;
  getElementById(id: string): El | null;
  createElement(tag: string): El;
};
declare function getComputedStyle(el: El): { outlineStyle: string; outlineWidth: string; boxShadow: string; visibility: string };
declare const axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> };

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown[]; failureSummary?: string }[] };

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core (its own source, injected into the page) over the whole document and returns
 * the serious and critical violations, one line per element: `rule (impact) target: help`.
 */
export async function axeProblems(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the pages' CSP (script-src 'self') does not govern.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => (await axe.run(document, { resultTypes: ['violations'] })).violations);
  return violations
    // STEPGUARD_AXE_ALL=1 lists the moderate and minor findings too (to look at, not to fail on).
    .filter((v) => process.env.STEPGUARD_AXE_ALL === '1' || v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}) ${JSON.stringify(n.target)}: ${v.help}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`));
}

/** Every control a keyboard user must reach: links, buttons, fields, summaries; not hidden, not disabled, not inside a closed <details>. */
const CONTROLS = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex="-1"])';

/**
 * Walks the page with Tab from the top and reports what a keyboard-only user would miss: a
 * control never reached, focus out of document order, or focus that cannot be seen (no outline
 * and no box shadow while focused).
 */
export async function keyboardProblems(page: Page): Promise<string[]> {
  const expected = await page.evaluate((selector) => {
    const list: { index: number; name: string }[] = [];
    let index = 0;
    for (const el of document.querySelectorAll(selector)) {
      index += 1;
      el.setAttribute('data-sg-kb', String(index));
      const closedDetails = el.closest('details:not([open])');
      const hiddenInDetails = closedDetails && !(el.tagName === 'SUMMARY' && el.closest('details') === closedDetails);
      if (el.disabled || el.closest('[hidden], [inert]') || hiddenInDetails || el.getClientRects().length === 0 || getComputedStyle(el).visibility === 'hidden') continue;
      list.push({ index, name: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} "${(el.textContent ?? el.getAttribute('name') ?? '').trim().slice(0, 40) || el.getAttribute('name') || el.getAttribute('aria-label') || ''}"` });
    }
    // A starting point above everything, outside the tab order.
    const start = document.createElement('span');
    start.setAttribute('tabindex', '-1');
    start.setAttribute('id', 'sg-kb-start');
    document.body.prepend(start);
    start.focus();
    return list;
  }, CONTROLS);

  // Focus moves are recorded in the page as they happen (one round trip to read them, not one per key).
  await page.evaluate(() => {
    const seen: { index: number; tag: string; id: string; visible: boolean }[] = [];
    (globalThis as unknown as { __sgFocus: typeof seen }).__sgFocus = seen;
    (document as unknown as { addEventListener(type: string, fn: (e: { target: El }) => void, capture: boolean): void }).addEventListener(
      'focusin',
      (e) => {
        const el = e.target;
        const style = getComputedStyle(el);
        const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
        seen.push({ index: Number(el.getAttribute('data-sg-kb') ?? 0), tag: el.tagName.toLowerCase(), id: el.id, visible: outline || style.boxShadow !== 'none' });
      },
      true,
    );
  });
  for (let presses = 0; presses < expected.length + 2; presses += 1) await page.keyboard.press('Tab');
  const moves = await page.evaluate(() => (globalThis as unknown as { __sgFocus: { index: number; tag: string; id: string; visible: boolean }[] }).__sgFocus);

  const reached: number[] = [];
  const problems: string[] = [];
  for (const focused of moves) {
    if (reached.includes(focused.index)) break; // wrapped around
    if (focused.index === 0) {
      if (focused.id !== 'sg-kb-start') problems.push(`focus went to ${focused.tag}#${focused.id}, which is not a control`);
      continue;
    }
    if (!focused.visible) problems.push(`focus on ${expected.find((e) => e.index === focused.index)?.name ?? focused.tag} is not visible`);
    reached.push(focused.index);
  }
  for (const control of expected) if (!reached.includes(control.index)) problems.push(`never reached by Tab: ${control.name}`);
  const order = reached.filter((i) => expected.some((e) => e.index === i));
  if (order.some((i, k) => k > 0 && i < (order[k - 1] as number))) problems.push(`focus order is not document order: ${order.join(', ')}`);
  return problems;
}

/**
 * An error on the page is announced: it sits in a live region (role=alert or aria-live), and
 * each field marked aria-invalid points at it through aria-describedby. `fieldIds` are the fields
 * the error is about: they must be marked.
 */
export async function announcedErrorProblems(page: Page, fieldIds: string[] = []): Promise<string[]> {
  return page.evaluate((fields) => {
    const problems: string[] = [];
    const live = [...document.querySelectorAll('[role=alert], [aria-live=assertive], [aria-live=polite]')].filter((el) => (el.textContent ?? '').trim() !== '');
    if (live.length === 0) problems.push('no error in a live region (role=alert or aria-live)');
    for (const id of fields) {
      const field = document.getElementById(id);
      if (!field) problems.push(`#${id} is not on the page`);
      else if (field.getAttribute('aria-invalid') !== 'true') problems.push(`#${id} is not aria-invalid`);
    }
    for (const field of document.querySelectorAll('[aria-invalid=true]')) {
      const ids = (field.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
      const described = ids.map((id) => document.getElementById(id)).filter((el): el is El => el !== null);
      if (described.length === 0) problems.push(`#${field.id} is aria-invalid but describedby nothing on the page`);
      else if (!described.some((el) => el.matches('[role=alert], [aria-live]') && (el.textContent ?? '').trim() !== '')) problems.push(`#${field.id} is described by no announced error`);
    }
    return problems;
  }, fieldIds);
}

/**
 * The three checks on the page as it is now, as one expectation that names the page; `errorFields`
 * marks an error page and names the fields its error is about. A failing page is saved to
 * test-artifacts/a11y-<name>.png.
 */
export async function expectAccessible(page: Page, name: string, options: { errorFields?: string[] } = {}): Promise<void> {
  try {
    const axe = await axeProblems(page);
    const errors = options.errorFields ? await announcedErrorProblems(page, options.errorFields) : [];
    const keyboard = await keyboardProblems(page);
    expect({ page: name, axe, keyboard, errors }).toEqual({ page: name, axe: [], keyboard: [], errors: [] });
  } catch (err) {
    const dir = join(__dirname, '../../test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, `a11y-${name}.png`), fullPage: true }).catch(() => undefined);
    throw err;
  }
}
