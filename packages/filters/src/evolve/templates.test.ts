import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_ANSWER_PROMPT } from '../sample/answer-prompt.js';
import { directionOf, EVOLUTION_KINDS, evolutionMessages, evolutionPrompt, expandKinds, kindsFor } from './templates.js';

describe('evolution prompts', () => {
  it('asks for the problem only, with the original at the end', () => {
    for (const kind of EVOLUTION_KINDS) {
      const prompt = evolutionPrompt(kind, 'What is 2 + 3?');
      expect(prompt.endsWith('Original problem:\nWhat is 2 + 3?')).toBe(true);
      expect(prompt).toContain('Reply with the new problem only');
    }
    expect(evolutionPrompt('add_constraints', 'P')).toContain('harder version of it by adding one more condition');
    expect(evolutionPrompt('concretize', 'P')).toContain('harder version of it by making it more concrete');
    expect(evolutionPrompt('increase_reasoning', 'P')).toContain('more steps of reasoning');
    expect(evolutionPrompt('simplify', 'P')).toContain('easier version of the same problem');
    expect(evolutionPrompt('new_easier', 'P')).toContain('new math problem on a different topic');
    expect(evolutionMessages('simplify', 'P')).toEqual([{ role: 'user', content: evolutionPrompt('simplify', 'P') }]);
  });

  it('expands directions, each kind once, in the order first named', () => {
    expect(expandKinds(['downward', 'simplify', 'concretize'])).toEqual(['simplify', 'new_easier', 'concretize']);
    expect(expandKinds(['upward'])).toEqual(['add_constraints', 'concretize', 'increase_reasoning']);
    expect(directionOf('new_easier')).toBe('downward');
    expect(directionOf('concretize')).toBe('upward');
  });

  it('tries every kind, or per_row consecutive kinds from a stable offset', () => {
    expect(kindsFor('row', 1, EVOLUTION_KINDS, undefined)).toEqual([...EVOLUTION_KINDS]);
    expect(kindsFor('row', 1, EVOLUTION_KINDS, 9)).toEqual([...EVOLUTION_KINDS]);
    const two = kindsFor('row', 1, EVOLUTION_KINDS, 2);
    expect(two).toHaveLength(2);
    expect(kindsFor('row', 1, EVOLUTION_KINDS, 2)).toEqual(two);
    const start = EVOLUTION_KINDS.indexOf(two[0] as (typeof EVOLUTION_KINDS)[number]);
    expect(two[1]).toBe(EVOLUTION_KINDS[(start + 1) % EVOLUTION_KINDS.length]);
    // Rows spread over the kinds.
    const firsts = new Set(Array.from({ length: 50 }, (_, index) => kindsFor(`row${index}`, 1, EVOLUTION_KINDS, 1)[0]));
    expect(firsts.size).toBe(EVOLUTION_KINDS.length);
  });
});

describe('docs/generation.md', () => {
  it('shows the prompts exactly as they are sent', () => {
    const doc = readFileSync(new URL('../../../../docs/generation.md', import.meta.url), 'utf8');
    expect(doc).toContain(DEFAULT_ANSWER_PROMPT);
    for (const kind of EVOLUTION_KINDS) {
      const [header, task, ...rest] = evolutionPrompt(kind, '{problem}').split('\n\n');
      expect(doc).toContain(header);
      expect(doc).toContain(`| \`${kind}\` | ${directionOf(kind)} | ${task} |`);
      expect(doc).toContain(rest.join('\n\n'));
    }
  });
});
