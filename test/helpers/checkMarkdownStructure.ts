import MarkdownIt from 'markdown-it';

// A fence line as CommonMark reads it: up to three spaces, then ``` or ~~~ (three or more).
const FENCE_LINE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
// An ATX heading: up to three spaces, one to six #, then a space or the end of the line.
const ATX_HEADING = /^ {0,3}#{1,6}(?:[ \t]|$)/;
// Inside code, a `## ...` line is a heading that fell into the block (a shell comment has one #).
const HEADING_LIKE_IN_CODE = /^ {0,3}#{2,6} \S/;
const MARKDOWN_INFO = /^(md|markdown|text|txt)\b/i;

type Block = { startLine: number; endLine: number; info: string };

/**
 * Renders `source` with markdown-it (CommonMark) and lists, by line number, what a reader of the
 * raw text would not expect: a fence never closed (everything after it becomes code), an odd
 * number of fence lines, a fence-looking line that renders as code (```` ``` text ```` does not
 * close a block), and headings that end up inside a code block. Empty when the file renders as
 * it reads.
 */
export function checkMarkdownStructure(source: string): string[] {
  const lines = source.split(/\r?\n/);
  const tokens = new MarkdownIt().parse(source, {});
  const problems: string[] = [];

  // The reading a person does: a fence line opens a block, and the next line that starts with
  // the same fence (as long or longer) closes it, whatever follows on that line.
  const fenceLines: number[] = [];
  const headingsAsRead: number[] = [];
  let openedWith: string | null = null;
  lines.forEach((line, i) => {
    const fence = FENCE_LINE.exec(line)?.[1];
    if (fence && openedWith === null) {
      fenceLines.push(i);
      openedWith = fence;
    } else if (fence && fence[0] === openedWith![0] && fence.length >= openedWith!.length) {
      fenceLines.push(i);
      openedWith = null;
    } else if (openedWith === null && ATX_HEADING.test(line)) headingsAsRead.push(i);
  });
  if (fenceLines.length % 2 === 1) {
    problems.push(`odd number of fence lines (${fenceLines.length}): one is not closed or one is stray (last at line ${(fenceLines.at(-1) ?? 0) + 1})`);
  }

  // The reading the parser does.
  const blocks: Block[] = tokens
    .filter((t) => t.type === 'fence' && t.map)
    .map((t) => ({ startLine: t.map![0], endLine: t.map![1] - 1, info: t.info.trim() }));
  const blockAt = (line: number) => blocks.find((b) => line >= b.startLine && line <= b.endLine);
  const delimiters = new Set<number>();
  for (const block of blocks) {
    delimiters.add(block.startLine);
    const opening = FENCE_LINE.exec(lines[block.startLine] ?? '');
    const closing = FENCE_LINE.exec(lines[block.endLine] ?? '');
    const closes =
      block.endLine > block.startLine &&
      closing !== null &&
      opening !== null &&
      closing[2]!.trim() === '' &&
      closing[1]![0] === opening[1]![0] &&
      closing[1]!.length >= opening[1]!.length;
    if (closes) delimiters.add(block.endLine);
    else problems.push(`the code block opened at line ${block.startLine + 1} is never closed: everything after it renders as code`);
    for (let i = block.startLine + 1; i < block.endLine + (closes ? 0 : 1); i += 1) {
      if (!MARKDOWN_INFO.test(block.info) && HEADING_LIKE_IN_CODE.test(lines[i] ?? '')) {
        problems.push(`line ${i + 1} ${JSON.stringify(lines[i])} is a heading inside the code block opened at line ${block.startLine + 1}`);
      }
    }
  }
  for (const i of fenceLines) {
    if (delimiters.has(i)) continue;
    const block = blockAt(i);
    const where = block ? `renders as code inside the block opened at line ${block.startLine + 1}` : 'opens or closes no code block';
    problems.push(`line ${i + 1} ${JSON.stringify(lines[i])} looks like a fence but ${where}`);
  }

  const parsedHeadings = new Set(tokens.filter((t) => t.type === 'heading_open' && t.map && t.markup.startsWith('#')).map((t) => t.map![0]));
  for (const i of headingsAsRead) {
    if (parsedHeadings.has(i)) continue;
    const block = blockAt(i);
    problems.push(`line ${i + 1} ${JSON.stringify(lines[i])} reads as a heading but ${block ? `renders as code inside the block opened at line ${block.startLine + 1}` : 'does not render as one'}`);
  }
  if (parsedHeadings.size !== headingsAsRead.length) {
    problems.push(`${headingsAsRead.length} headings outside fences as written, ${parsedHeadings.size} rendered`);
  }
  return problems;
}
