/**
 * WizardMath's copy of the Hendrycks `strip_string` (`WizardMath/inference/util.py`), including the
 * ways it raises, because the caller turns an exception into a verdict (see `wizardmath.ts`):
 * - `remove_right_units` asserts that `"\text{ "` occurs at most once;
 * - `fix_sqrt` and `fix_fracs` index past the end when `\sqrt` / `\frac` end the string;
 * - `fix_a_slash_b` catches only `AssertionError`, so a single `/` with a side that is not an
 *   integer (`\pi/2`, `1/\sqrt{2}`, `km/h`) raises `ValueError` from `int()`.
 * Hendrycks' original catches everything in `_fix_a_slash_b`; this is the WizardMath variant.
 */
import { codePoints, pyInt } from './python-text.js';

/** The stripped string, or the exception `strip_string` would raise. */
export type StripOutcome = { readonly ok: true; readonly value: string } | { readonly ok: false; readonly error: string };

class StripError extends Error {
  override readonly name = 'StripError';
}

/** WizardMath's `strip_string`; `{ ok: false }` where the Python raises. Never throws. */
export function wizardMathStripString(text: string): StripOutcome {
  try {
    return { ok: true, value: strip(text) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function strip(input: string): string {
  let string = input.replaceAll('\n', '');
  string = string.replaceAll('\\!', '');
  string = string.replaceAll('\\\\', '\\');
  string = string.replaceAll('tfrac', 'frac');
  string = string.replaceAll('dfrac', 'frac');
  string = string.replaceAll('\\left', '');
  string = string.replaceAll('\\right', '');
  string = string.replaceAll('^{\\circ}', '');
  string = string.replaceAll('^\\circ', '');
  string = string.replaceAll('\\$', '');
  string = removeRightUnits(string);
  string = string.replaceAll('\\%', '');
  string = string.replaceAll(' .', ' 0.');
  string = string.replaceAll('{.', '{0.');
  if (string.length === 0) return string;
  if (string.startsWith('.')) string = `0${string}`;
  const sides = string.split('=');
  if (sides.length === 2 && codePoints(sides[0]!).length <= 2) string = sides[1]!;
  string = fixSqrt(string);
  string = string.replaceAll(' ', '');
  string = fixFracs(string);
  if (string === '0.5') string = '\\frac{1}{2}';
  return fixASlashB(string);
}

function removeRightUnits(string: string): string {
  if (!string.includes('\\text{ ')) return string;
  const splits = string.split('\\text{ ');
  if (splits.length !== 2) throw new StripError('AssertionError in remove_right_units');
  return splits[0]!;
}

function fixSqrt(string: string): string {
  if (!string.includes('\\sqrt')) return string;
  const [head, ...rest] = string.split('\\sqrt');
  let out = head!;
  for (const split of rest) {
    const characters = codePoints(split);
    const first = characters[0];
    if (first === undefined) throw new StripError('IndexError in fix_sqrt');
    out += first !== '{' ? `\\sqrt{${first}}${characters.slice(1).join('')}` : `\\sqrt${split}`;
  }
  return out;
}

function fixFracs(string: string): string {
  const [head, ...rest] = string.split('\\frac');
  let out = head!;
  for (const substring of rest) {
    out += '\\frac';
    const characters = codePoints(substring);
    const first = characters[0];
    if (first === undefined) throw new StripError('IndexError in fix_fracs');
    if (first === '{') {
      out += substring;
      continue;
    }
    // `assert len(substr) >= 2` is caught: the whole input comes back unchanged.
    if (characters.length < 2) return string;
    const second = characters[1]!;
    const tail = characters.slice(2).join('');
    out += second !== '{' ? `{${first}}{${second}}${tail}` : `{${first}}${second}${tail}`;
  }
  return out;
}

function fixASlashB(string: string): string {
  const parts = string.split('/');
  if (parts.length !== 2) return string;
  const a = pyInt(parts[0]!);
  const b = pyInt(parts[1]!);
  // `int()` raises ValueError here, which `except AssertionError` does not catch.
  if (a === null || b === null) throw new StripError('ValueError in fix_a_slash_b');
  return string === `${a}/${b}` ? `\\frac{${a}}{${b}}` : string;
}
