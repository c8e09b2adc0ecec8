import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { checkMarkdownStructure } from '../helpers/checkMarkdownStructure';

const FENCE = '```';

// The README as it was broken (issue #15): a closing fence with text after it does not close the
// block, so everything from "Options" to the next fence rendered as one code block.
const OLD_BROKEN_README = [
  '## SSO gateways',
  '',
  `${FENCE}yaml`,
  'http:',
  '  middlewares:',
  '    stepguard:',
  `${FENCE} With Passport you can verify codes`,
  'through the strategies instead of the router.',
  '',
  '## Options',
  '',
  '| option | default |',
  '|---|---|',
  '',
  `${FENCE}ts`,
  'createStepGuard({ stores });',
  FENCE,
  '',
  '## Running many app nodes',
  '',
].join('\n');

describe('README.md renders as it reads', () => {
  it('has balanced fences, every heading rendered as a heading and none inside code', () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    expect(checkMarkdownStructure(readme)).toEqual([]);
    // And it renders: the sections a newcomer looks for are headings, not code.
    const html = new MarkdownIt().render(readme);
    expect(html).toMatch(/<h2>Quick start<\/h2>/);
    expect(html).toMatch(/<h2>Options<\/h2>/);
  });
});

describe('checkMarkdownStructure', () => {
  it('catches the old broken README: a "``` text" line does not close the block and swallows the headings after it', () => {
    const problems = checkMarkdownStructure(OLD_BROKEN_README);
    expect(problems).toEqual(
      expect.arrayContaining([
        'line 7 "``` With Passport you can verify codes" looks like a fence but renders as code inside the block opened at line 3',
        'line 10 "## Options" reads as a heading but renders as code inside the block opened at line 3',
        'line 15 "```ts" looks like a fence but renders as code inside the block opened at line 3',
        '3 headings outside fences as written, 2 rendered',
      ]),
    );
    // Seen the way the parser sees it too: "## Options" is no longer a heading.
    expect(new MarkdownIt().render(OLD_BROKEN_README)).not.toMatch(/<h2>Options<\/h2>/);
  });

  it('catches a fence that is never closed, and the odd fence count', () => {
    const problems = checkMarkdownStructure(['# Title', '', `${FENCE}sh`, 'npm test', '', '## Next', 'text'].join('\n'));
    expect(problems).toEqual(
      expect.arrayContaining([
        'odd number of fence lines (1): one is not closed or one is stray (last at line 3)',
        'the code block opened at line 3 is never closed: everything after it renders as code',
        'line 6 "## Next" is a heading inside the code block opened at line 3',
      ]),
    );
  });

  it('catches a section heading pasted inside a code block', () => {
    const problems = checkMarkdownStructure(['# Title', `${FENCE}ts`, 'const a = 1;', '## Options', FENCE, ''].join('\n'));
    expect(problems).toEqual(['line 4 "## Options" is a heading inside the code block opened at line 2']);
  });

  it('accepts shell comments and Markdown samples in code, tilde fences and longer fences', () => {
    const sample = [
      '# Title',
      `${FENCE}sh`,
      '# a comment, not a heading',
      FENCE,
      `${FENCE}\`md`,
      '## a heading in a Markdown sample',
      FENCE,
      `${FENCE}\``,
      '~~~markdown',
      '## inside a tilde sample',
      '~~~',
      '',
      '## Last',
    ].join('\n');
    expect(checkMarkdownStructure(sample)).toEqual([]);
  });
});
