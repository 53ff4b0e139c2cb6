/**
 * Finds the solution in a response: the last (or first) fenced code block whose info string names
 * an accepted language. Fences follow CommonMark: three or more backticks or tildes, indented at
 * most three spaces, closed by a fence of the same character at least as long; a block left open
 * runs to the end of the response.
 */

/** A code block taken from a response. */
export interface CodeBlock {
  code: string;
  /** The info string's first word, lowercase; empty for an untagged block. */
  tag: string;
}

/** Which blocks count as the solution. */
export interface ExtractOptions {
  /** Accepted tags (lowercase), e.g. `['python', 'py']`. */
  tags: readonly string[];
  /** Whether a block without an info string counts too. */
  untagged?: boolean;
  /** Which accepted block to take when there are several. */
  which?: 'first' | 'last';
}

const OPENING = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/** Every fenced block of `text`, in order. */
export function codeBlocks(text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split(/\r?\n/);
  let index = 0;
  while (index < lines.length) {
    const opening = OPENING.exec(lines[index] as string);
    index++;
    if (!opening) continue;
    const fence = opening[1] as string;
    const info = (opening[2] as string).trim();
    // A backtick fence's info string may not contain backticks (that is inline code).
    if (fence[0] === '`' && info.includes('`')) continue;
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    while (index < lines.length && !closing.test(lines[index] as string)) body.push(lines[index++] as string);
    index++;
    blocks.push({
      code: body.join('\n'),
      tag: (info.split(/\s+/)[0] ?? '')
        .replace(/^\{?\.?/, '')
        .replace(/\}$/, '')
        .toLowerCase(),
    });
  }
  return blocks;
}

/** The accepted block, or null when the response has none. */
export function extractCode(text: string, options: ExtractOptions): CodeBlock | null {
  const accepted = codeBlocks(text).filter((block) => (block.tag === '' ? options.untagged === true : options.tags.includes(block.tag)));
  if (accepted.length === 0) return null;
  return (options.which === 'first' ? accepted[0] : accepted[accepted.length - 1]) ?? null;
}
