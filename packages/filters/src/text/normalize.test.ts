import { describe, expect, it } from 'vitest';
import { CodeBuffer, HashBuffer, normalizedCodes, normalizedWords, normalizeText, wordHashes, wordHashesUtf8 } from './normalize.js';

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

  it('hashes UTF-8 bytes exactly as the decoded string, in every script and outside the BMP', () => {
    const pieces = [
      'Word',
      'don’t',
      "it's",
      'Ünïcödé',
      'ΑΒΓ',
      'кот',
      '猫',
      'かな',
      '😀',
      '𝐀𝐁',
      'x\u0301',
      '１２',
      '—',
      ' ',
      '\n',
      '\u001e',
      '.',
      '$',
      '«',
      'ß',
      'İ',
    ];
    let seed = 7;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const encoder = new TextEncoder();
    for (let trial = 0; trial < 300; trial++) {
      let text = '';
      const parts = 1 + Math.floor(random() * 30);
      for (let part = 0; part < parts; part++) text += pieces[Math.floor(random() * pieces.length)];
      const expected = new HashBuffer(1);
      const count = wordHashes(text, expected);
      // Prefix bytes that belong to nothing: ranges start mid-buffer.
      const bytes = new Uint8Array([0x41, 0x20, ...encoder.encode(text)]);
      const actual = new HashBuffer(1);
      actual.values[0] = 99;
      const total = wordHashesUtf8(bytes, actual, 2, bytes.length, 1);
      expect(total - 1, text).toBe(count);
      expect(actual.values[0]).toBe(99);
      expect([...actual.values.subarray(1, total)], text).toEqual([...expected.values.subarray(0, count)]);
    }
  });
});
