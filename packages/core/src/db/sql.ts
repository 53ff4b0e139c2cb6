/**
 * The one way to build SQL: a tagged template that binds interpolated values as parameters and
 * splices identifiers (quoted) and other fragments in place. No string-built SQL outside `core/src/db`.
 *
 * ```ts
 * sql`SELECT * FROM ${identifier(table)} WHERE source = ${sourceId}`
 * ```
 */

/** A value that can be bound as a query parameter. */
export type SqlValue = string | number | boolean | bigint | null;

type Chunk = { kind: 'text'; text: string } | { kind: 'value'; value: SqlValue };

/** A piece of SQL text with its bound values, composable into larger statements. */
export class SqlFragment {
  constructor(readonly chunks: readonly Chunk[]) {}

  /** Renders `$1 … $n` placeholders and the matching values. */
  toQuery(): { text: string; values: SqlValue[] } {
    let text = '';
    const values: SqlValue[] = [];
    for (const chunk of this.chunks) {
      if (chunk.kind === 'text') text += chunk.text;
      else {
        values.push(chunk.value);
        text += `$${values.length}`;
      }
    }
    return { text, values };
  }

  /**
   * The same SQL with every value written as a quoted literal, for statements DuckDB cannot prepare
   * with parameters (`CREATE VIEW`, `COPY … TO`). Strings are quoted, so this is as safe as binding.
   */
  inline(): SqlFragment {
    return new SqlFragment(this.chunks.map((chunk) => (chunk.kind === 'text' ? chunk : { kind: 'text', text: literal(chunk.value) })));
  }

  /** The SQL with values inlined as literals; for error messages and `EXPLAIN`, never for execution. */
  toString(): string {
    return this.chunks.map((chunk) => (chunk.kind === 'text' ? chunk.text : literal(chunk.value))).join('');
  }
}

/** Tagged template: `${value}` binds a parameter, `${fragment}` splices SQL. */
export function sql(strings: TemplateStringsArray, ...parts: ReadonlyArray<SqlValue | SqlFragment>): SqlFragment {
  const chunks: Chunk[] = [];
  strings.forEach((text, index) => {
    if (text) chunks.push({ kind: 'text', text });
    if (index < parts.length) {
      const part = parts[index] as SqlValue | SqlFragment;
      if (part instanceof SqlFragment) chunks.push(...part.chunks);
      else chunks.push({ kind: 'value', value: part });
    }
  });
  return new SqlFragment(chunks);
}

/** A quoted identifier: `"table ""name"""`. */
export function identifier(name: string): SqlFragment {
  return new SqlFragment([{ kind: 'text', text: `"${name.replaceAll('"', '""')}"` }]);
}

/**
 * A fragment of trusted SQL text spliced as is. Only for SQL written by Oversight itself or by a
 * recipe author on purpose (`select/sql`'s predicate), never for data values.
 */
export function rawSql(text: string): SqlFragment {
  return new SqlFragment([{ kind: 'text', text }]);
}

/** Joins fragments with a separator (`, ` by default). */
export function joinSql(fragments: readonly SqlFragment[], separator = ', '): SqlFragment {
  const chunks: Chunk[] = [];
  fragments.forEach((fragment, index) => {
    if (index > 0) chunks.push({ kind: 'text', text: separator });
    chunks.push(...fragment.chunks);
  });
  return new SqlFragment(chunks);
}

/** A value as a SQL literal (strings quoted, `NULL`, numbers as is). */
export function literal(value: SqlValue): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return `'${value.replaceAll("'", "''")}'`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return String(value);
}
