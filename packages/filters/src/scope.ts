/**
 * Which turns of a conversation a step looks at. SFT rows are conversations, so every text step
 * takes a `scope` instead of one text field.
 */
import { rawSql, type SqlFragment } from '@oversight/core';
import { z } from 'zod';

export const scopeSchema = z
  .enum(['user', 'assistant', 'all'])
  .describe('Turns to look at: `user` (prompts), `assistant` (responses) or `all` (every turn, with its role).');
export type Scope = z.infer<typeof scopeSchema>;

/** SQL text of the scope's turns joined by U+001E (record separator); `all` prefixes each turn with its role. */
export function scopeText(scope: Scope, messages = 'messages'): SqlFragment {
  if (scope === 'all') {
    return rawSql(`array_to_string(list_transform(${messages}, m -> m.role || ': ' || m.content), chr(30))`);
  }
  return rawSql(`array_to_string(list_transform(list_filter(${messages}, m -> m.role = '${scope}'), m -> m.content), chr(30))`);
}

/** SQL: total characters of every turn's content. */
export function conversationLength(messages = 'messages'): SqlFragment {
  return rawSql(`list_sum(list_transform(${messages}, m -> length(coalesce(m.content, ''))))`);
}
