import { describe, expect, it } from 'vitest';
import { answerMessages, DEFAULT_ANSWER_PROMPT, lastUserTurn, parseRowMessages, promptTurns } from './answer-prompt.js';

const row = [
  { role: 'user', content: 'What is 2 + 3?' },
  { role: 'assistant', content: 'It is 5.' },
];

describe('answer prompt', () => {
  it('answers the conversation without its final assistant turn', () => {
    expect(promptTurns(row)).toEqual([{ role: 'user', content: 'What is 2 + 3?' }]);
    expect(promptTurns([{ role: 'user', content: 'Q' }])).toEqual([{ role: 'user', content: 'Q' }]);
    // Nothing left to answer.
    expect(promptTurns([{ role: 'assistant', content: 'A' }])).toBeNull();
    expect(promptTurns([])).toBeNull();
  });

  it('sends a prompt without {problem} as a system message, ours first when the row has one', () => {
    expect(answerMessages([{ role: 'user', content: 'Q' }], DEFAULT_ANSWER_PROMPT)).toEqual([
      { role: 'system', content: DEFAULT_ANSWER_PROMPT },
      { role: 'user', content: 'Q' },
    ]);
    expect(
      answerMessages(
        [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'Q' },
        ],
        'Reason first.',
      ),
    ).toEqual([
      { role: 'system', content: 'Reason first.\n\nBe terse.' },
      { role: 'user', content: 'Q' },
    ]);
  });

  it('fills a {problem} template into the last user turn, $ signs intact', () => {
    const turns = [
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: 'Find $$x$$ when $x + 1 = 2$.' },
    ];
    expect(answerMessages(turns, '### Instruction:\n{problem}\n\n### Response: {problem}')).toEqual([
      { role: 'user', content: 'first' },
      { role: 'assistant', content: 'ok' },
      { role: 'user', content: '### Instruction:\nFind $$x$$ when $x + 1 = 2$.\n\n### Response: Find $$x$$ when $x + 1 = 2$.' },
    ]);
  });

  it('sends the turns as they are with an empty prompt; other roles go as user turns', () => {
    expect(
      answerMessages(
        [
          { role: 'tool', content: 'out' },
          { role: 'user', content: null },
        ],
        '',
      ),
    ).toEqual([
      { role: 'user', content: 'out' },
      { role: 'user', content: '' },
    ]);
  });

  it('finds the last user turn', () => {
    expect(lastUserTurn([...row, { role: 'user', content: 'again' }])).toBe('again');
    expect(lastUserTurn(row)).toBe('What is 2 + 3?');
    expect(lastUserTurn([{ role: 'assistant', content: 'x' }])).toBeNull();
  });

  it('reads messages from JSON and says where a bad value came from', () => {
    expect(parseRowMessages(JSON.stringify(row), 'row r1')).toEqual(row);
    expect(parseRowMessages('null', 'row r1')).toEqual([]);
    expect(() => parseRowMessages('{"role":"user"}', 'row r1')).toThrow(
      /row r1: expected its messages as a JSON list, found \{"role":"user"\}/,
    );
    expect(() => parseRowMessages('[oops', 'row r2')).toThrow(/row r2: expected its messages as a JSON list, found \[oops \(/);
  });
});
