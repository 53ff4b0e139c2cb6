import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyByKeywords, loadTaxonomy } from './taxonomy.js';

const ROOT = resolve(import.meta.dirname, '../../../..');

function taxonomyFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oversight-taxonomy-'));
  writeFileSync(join(dir, 'topics.yaml'), text);
  return dir;
}

describe('loadTaxonomy', () => {
  it('loads the sample taxonomy and maps MATH types through aliases, case-insensitively', () => {
    const taxonomy = loadTaxonomy('recipes/data/taxonomy/math-topics.yaml', ROOT);
    expect(taxonomy.topics.map((topic) => topic.name)).toEqual([
      'arithmetic',
      'fractions_percents',
      'rates_units',
      'money',
      'algebra',
      'intermediate_algebra',
      'number_theory',
      'counting_probability',
      'geometry',
      'precalculus',
    ]);
    expect(taxonomy.topicOf('Counting & Probability')).toBe('counting_probability');
    expect(taxonomy.topicOf('prealgebra')).toBe('arithmetic');
    expect(taxonomy.topicOf('geometry')).toBe('geometry');
    expect(taxonomy.topicOf('Calculus')).toBeNull();
  });

  it('says file:line:col for a schema problem', () => {
    const dir = taxonomyFile('version: 1\ntopics:\n  - name: algebra\n    keywords: []\n');
    expect(() => loadTaxonomy('topics.yaml', dir)).toThrow(/^topics\.yaml:4:15: .*at `topics\.0\.keywords`$/);
  });

  it('says file:line:col for a YAML syntax error and a repeated name', () => {
    expect(() => loadTaxonomy('topics.yaml', taxonomyFile('version: 1\ntopics: [\n'))).toThrow(/^topics\.yaml:\d+:\d+: /);
    const twice = taxonomyFile('version: 1\ntopics:\n  - { name: a, keywords: [x] }\n  - { name: a, keywords: [y] }\n');
    expect(() => loadTaxonomy('topics.yaml', twice)).toThrow('topics.yaml:4:13: expected distinct topic names, found `a` twice');
  });

  it('says which file it cannot read', () => {
    expect(() => loadTaxonomy('missing.yaml', ROOT)).toThrow(/^cannot read taxonomy missing\.yaml: /);
  });
});

describe('classifyByKeywords', () => {
  const topics = [
    { name: 'number_theory', description: null, keywords: ['prime', 'remainder'], aliases: [] },
    { name: 'geometry', description: null, keywords: ['triangle', 'area', '\\angle'], aliases: [] },
    { name: 'fractions', description: null, keywords: ['%', 'left over'], aliases: [] },
  ];

  it('matches on word boundaries only', () => {
    expect(classifyByKeywords(topics, 'The primer of the book')).toBeNull();
    expect(classifyByKeywords(topics, 'Is 7 PRIME?')).toBe('number_theory');
  });

  it('matches symbol keywords anywhere and never a word keyword inside a LaTeX command', () => {
    expect(classifyByKeywords(topics, 'In $\\angle ABC$')).toBe('geometry');
    expect(classifyByKeywords(topics, 'Half is 50%.')).toBe('fractions');
    expect(classifyByKeywords(topics, '$\\left over$')).toBeNull();
  });

  it('prefers more distinct keywords, then more occurrences, then the topic listed first', () => {
    expect(classifyByKeywords(topics, 'A prime triangle with an area')).toBe('geometry');
    expect(classifyByKeywords(topics, 'prime triangle triangle')).toBe('geometry');
    expect(classifyByKeywords(topics, 'prime triangle')).toBe('number_theory');
  });
});
