import { describe, expect, it } from 'vitest';
import { CodeBuffer, HashBuffer, normalizedCodes, normalizedWords, normalizeText, wordHashes } from './normalize.js';

describe('normalization', () => {
  it('folds case, accents, apostrophes, quotes, punctuation and whitespace', () => {
    expect(normalizedWords('Don’t  PANIC!\n“Café” — naïve   déjà-vu')).toEqual(['dont', 'panic', 'cafe', 'naive', 'deja', 'vu']);
    expect(normalizeText("don't")).toBe(normalizeText('don’t'));
    expect(normalizeText('«Hello», said  she.')).toBe('hello said she');
    expect(normalizeText('１２３ ＡＢＣ')).toBe('123 abc');
  });

  it('keeps digits and splits math punctuation', () => {
    expect(normalizedWords('16-3-4=<<16-3-4=9>>9 $2.50')).toEqual(['16', '3', '4', '16', '3', '4', '9', '9', '2', '50']);
  });

  it('makes each Han or Kana character a word', () => {
    expect(normalizedWords('今日は good 天気')).toEqual(['今', '日', 'は', 'good', '天', '気']);
  });

  it('hashes exactly the words normalizedWords returns, in order', () => {
    const text = 'The QUICK brown fox’s tail — jumps; over 2 lazy dogs. 猫';
    const buffer = new HashBuffer(2);
    const count = wordHashes(text, buffer);
    const words = normalizedWords(text);
    expect(count).toBe(words.length);
    const again = new HashBuffer(2);
    for (const [index, word] of words.entries()) {
      expect(wordHashes(word, again)).toBe(1);
      expect(again.values[0]).toBe(buffer.values[index]);
    }
    // Same words, different punctuation and case: same hashes.
    const other = new HashBuffer();
    expect(wordHashes('the quick BROWN foxs tail jumps over 2 lazy dogs 猫', other)).toBe(count);
    expect([...other.values.subarray(0, count)]).toEqual([...buffer.values.subarray(0, count)]);
  });

  it('appends ranges at an offset, growing the buffer', () => {
    const buffer = new HashBuffer(1);
    const text = 'alpha beta\u001egamma';
    const first = wordHashes(text, buffer, 0, 10);
    const total = wordHashes(text, buffer, 11, text.length, first);
    expect(first).toBe(2);
    expect(total).toBe(3);
    const whole = new HashBuffer();
    expect(wordHashes(text, whole)).toBe(3);
    expect([...whole.values.subarray(0, 3)]).toEqual([...buffer.values.subarray(0, 3)]);
  });

  it('writes normalized code units with single spaces', () => {
    const buffer = new CodeBuffer();
    const length = normalizedCodes('  Hello,   World!! 日本 ', buffer);
    expect(String.fromCharCode(...buffer.values.subarray(0, length))).toBe('hello world 日 本');
  });
});
