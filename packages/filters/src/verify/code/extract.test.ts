import { describe, expect, it } from 'vitest';
import { codeBlocks, extractCode } from './extract.js';

const PY = ['python', 'py'];

describe('extractCode', () => {
  it('takes the last block with an accepted tag, or the first when asked', () => {
    const text = 'Idea:\n```python\nprint(1)\n```\nThen\n```py\nprint(2)\n```\n```js\nconsole.log(3)\n```\n';
    expect(extractCode(text, { tags: PY })).toEqual({ code: 'print(2)', tag: 'py' });
    expect(extractCode(text, { tags: PY, which: 'first' })).toEqual({ code: 'print(1)', tag: 'python' });
    expect(extractCode(text, { tags: ['js'] })?.code).toBe('console.log(3)');
  });

  it('reads tags case-insensitively, with attributes and pandoc braces', () => {
    expect(extractCode('```Python title="a.py"\nx = 1\n```', { tags: PY })?.code).toBe('x = 1');
    expect(extractCode('```{.python}\nx = 2\n```', { tags: PY })?.code).toBe('x = 2');
  });

  it('accepts untagged blocks only when asked', () => {
    const text = '```\nprint(4)\n```';
    expect(extractCode(text, { tags: PY })).toBeNull();
    expect(extractCode(text, { tags: PY, untagged: true })?.code).toBe('print(4)');
  });

  it('follows CommonMark fences: tildes, longer fences, indentation, unclosed blocks', () => {
    expect(extractCode('~~~python\na = "```"\n~~~', { tags: PY })?.code).toBe('a = "```"');
    expect(extractCode('````python\n```\ninner\n```\n````', { tags: PY })?.code).toBe('```\ninner\n```');
    expect(extractCode('   ```python\nindented\n   ```', { tags: PY })?.code).toBe('indented');
    expect(extractCode('    ```python\nnot a fence\n```', { tags: PY })).toBeNull();
    expect(extractCode('```python\ntruncated = 1', { tags: PY })?.code).toBe('truncated = 1');
    expect(extractCode('```python\r\nwindows = 1\r\n```\r\n', { tags: PY })?.code).toBe('windows = 1');
  });

  it('returns null without a block, and lists every block in order', () => {
    expect(extractCode('just text with `inline` code', { tags: PY })).toBeNull();
    expect(codeBlocks('```a\n1\n```\n```b\n2\n```').map((block) => block.tag)).toEqual(['a', 'b']);
  });
});
