/**
 * `quality/length` — drops rows whose chosen turns are shorter than `min` or longer than `max`,
 * counted in characters (SQL, fast) or in tokens of a tiktoken encoding (JS, ~0.7M tokens/s).
 *
 * Reasons: `too_short`, `too_long` (detail: the measured length and the bound).
 * Method: the length filters of data-juicer (`text_length_filter`, `token_num_filter`) and
 * datatrove's Gopher filters, per conversation scope.
 */
import { defineStep, sql } from '@oversight/core';
import { get_encoding } from 'tiktoken';
import { z } from 'zod';
import { scopeSchema, scopeText } from '../scope.js';

const params = z
  .strictObject({
    scope: scopeSchema.default('all'),
    unit: z.enum(['chars', 'tokens']).default('chars').describe('Count `chars` (Unicode code points) or `tokens`.'),
    encoding: z
      .enum(['o200k_base', 'cl100k_base'])
      .default('o200k_base')
      .describe('tiktoken encoding for `unit: tokens` (o200k_base: GPT-4o family; cl100k_base: GPT-4/3.5).'),
    min: z.number().int().min(0).optional().describe('Drop rows shorter than this (`too_short`).'),
    max: z.number().int().positive().optional().describe('Drop rows longer than this (`too_long`).'),
  })
  .refine((value) => value.min !== undefined || value.max !== undefined, {
    message: 'expected a bound (`min`, `max` or both), found neither',
  })
  .refine((value) => value.min === undefined || value.max === undefined || value.min <= value.max, {
    message: 'expected `max` ≥ `min`, found it smaller',
    path: ['max'],
  });

export const lengthFilter = defineStep({
  id: 'quality/length',
  version: 1,
  summary: 'Drop rows whose chosen turns are too short or too long (characters or tokens).',
  description:
    'Measures the text of the scope (turns joined) in characters, or in tokens with tiktoken (special-token text such as ' +
    '`<|endoftext|>` is counted as ordinary text). Bounds are inclusive: a row of exactly `min` or `max` is kept.',
  effect: 'drop',
  params,
  reasons: ['too_short', 'too_long'],
  run: async (context, options) => {
    const { db } = context;
    let measured = sql`(SELECT id, length(${scopeText(options.scope)}) AS size FROM ${context.input})`;
    if (options.unit === 'tokens') {
      await db.run(sql`CREATE TEMP TABLE _token_counts (id VARCHAR, size INTEGER)`);
      const writer = await db.writer('_token_counts', ['varchar', 'integer']);
      const encoder = get_encoding(options.encoding);
      let done = 0;
      try {
        for await (const rows of db.stream<{ id: string; text: string }>(
          sql`SELECT id, ${scopeText(options.scope)} AS text FROM ${context.input}`,
        )) {
          for (const row of rows) writer.append([row.id, encoder.encode_ordinary(row.text ?? '').length]);
          done += rows.length;
          if (done % 8192 < rows.length) context.progress(done / Math.max(1, context.inputRows));
          if (context.signal.aborted) throw new Error('interrupted');
        }
      } finally {
        writer.close();
        encoder.free();
      }
      measured = sql`_token_counts`;
    }
    const unit = options.unit === 'tokens' ? ' tokens' : ' chars';
    const min = options.min ?? null;
    const max = options.max ?? null;
    await db.run(sql`CREATE TABLE ${context.table('verdicts')} AS
      SELECT id,
        NOT ((${min}::INTEGER IS NOT NULL AND size < ${min}::INTEGER) OR (${max}::INTEGER IS NOT NULL AND size > ${max}::INTEGER)) AS keep,
        CASE WHEN ${min}::INTEGER IS NOT NULL AND size < ${min}::INTEGER THEN 'too_short'
             WHEN ${max}::INTEGER IS NOT NULL AND size > ${max}::INTEGER THEN 'too_long' END AS reason,
        CASE WHEN ${min}::INTEGER IS NOT NULL AND size < ${min}::INTEGER THEN size || ${unit} || ' < min ' || ${min}::INTEGER
             WHEN ${max}::INTEGER IS NOT NULL AND size > ${max}::INTEGER THEN size || ${unit} || ' > max ' || ${max}::INTEGER END AS detail
      FROM ${measured}`);
    if (options.unit === 'tokens') await db.run(sql`DROP TABLE _token_counts`);
  },
});
