/** The canonical sample: every source is adapted to this shape, one table per ingested source. */

/** DuckDB type of a conversation. */
export const MESSAGES_TYPE = 'STRUCT(role VARCHAR, content VARCHAR)[]';

/** Roles a canonical message may have. */
export const ROLES = ['system', 'user', 'assistant', 'tool'] as const;

/**
 * Columns of a canonical table. `file` and `line` say where each row came from (1-based line for
 * JSONL/JSON/CSV, 1-based row for Parquet).
 */
export const CANONICAL_COLUMNS_DDL = `id VARCHAR, source VARCHAR, task VARCHAR, messages ${MESSAGES_TYPE}, answer VARCHAR, meta JSON`;

/** The canonical columns, in order. */
export const CANONICAL_COLUMNS = ['id', 'source', 'task', 'messages', 'answer', 'meta'] as const;
