/** Buffers single rows for a `ColumnWriter`, so that rows produced one by one go to DuckDB a chunk at a time. */
import type { ColumnWriter } from '@oversight/core';

/** Rows per flush: DuckDB's vector size. */
const CHUNK = 2048;

/** Appends rows to a column writer in batches (a DuckDB chunk per batch, not per row). */
export class BufferedWriter {
  private columns: unknown[][] = [];
  private rows = 0;

  constructor(private readonly writer: ColumnWriter) {}

  /** Adds one row, in the writer's column order. */
  push(row: readonly unknown[]): void {
    if (this.columns.length === 0) this.columns = row.map(() => []);
    row.forEach((value, index) => {
      this.columns[index]?.push(value);
    });
    if (++this.rows >= CHUNK) this.flush();
  }

  /** Writes the buffered rows. */
  flush(): void {
    if (this.rows > 0) this.writer.append(this.columns, this.rows);
    this.columns = [];
    this.rows = 0;
  }

  /** Writes the buffered rows and closes the writer; returns the rows written in all. */
  close(): number {
    this.flush();
    return this.writer.close();
  }
}
