/**
 * Splitters for whole-file formats, so every record keeps the line it starts on:
 * a JSON array into its element texts, and CSV (RFC 4180) into JSON objects keyed by the header.
 */

export interface RecordText {
  /** 1-based line where the record starts. */
  line: number;
  /** The record as JSON text, or a preview when `problem` is set. */
  text: string;
  problem?: string;
  detail?: string;
}

/**
 * Splits a JSON document: an array yields one record per element; a single object yields one
 * record. Malformed text yields the records before the fault and one `invalid_json` record for the rest.
 */
export function splitJsonArray(text: string): RecordText[] {
  let index = 0;
  let line = 1;
  const length = text.length;
  const skipSpace = () => {
    while (index < length) {
      const code = text.charCodeAt(index);
      if (code === 10) line++;
      else if (code !== 32 && code !== 9 && code !== 13 && code !== 0xfeff) break;
      index++;
    }
  };
  skipSpace();
  if (index >= length) return [];
  if (text[index] === '{') return [{ line, text: text.slice(index).trim() }];
  if (text[index] !== '[') {
    return [
      {
        line,
        text: text.slice(index, index + 200),
        problem: 'not_an_array',
        detail: `expected a JSON array or object, found ${JSON.stringify(text.slice(index, index + 20))}`,
      },
    ];
  }
  index++;
  const records: RecordText[] = [];
  for (;;) {
    skipSpace();
    if (index >= length) {
      records.push({ line, text: '', problem: 'invalid_json', detail: 'expected `]` closing the array, found the end of the file' });
      return records;
    }
    if (text[index] === ']') return records;
    const start = index;
    const startLine = line;
    const end = scanValue(text, index);
    if (end < 0) {
      records.push({
        line: startLine,
        text: text.slice(start, start + 200),
        problem: 'invalid_json',
        detail: 'unterminated value: the array is truncated or malformed from here on',
      });
      return records;
    }
    for (let position = start; position < end; position++) if (text.charCodeAt(position) === 10) line++;
    records.push({ line: startLine, text: text.slice(start, end) });
    index = end;
    skipSpace();
    if (text[index] === ',') index++;
    else if (text[index] !== ']') {
      records.push({
        line,
        text: text.slice(index, index + 200),
        problem: 'invalid_json',
        detail: `expected \`,\` or \`]\` after an element, found ${JSON.stringify(text.slice(index, index + 10))}`,
      });
      return records;
    }
  }
}

/** End offset (exclusive) of the JSON value starting at `start`, or -1 when it never ends. */
function scanValue(text: string, start: number): number {
  let depth = 0;
  let index = start;
  const length = text.length;
  const first = text[start];
  if (first !== '{' && first !== '[' && first !== '"') {
    // Scalar: runs to the next delimiter.
    while (index < length && !/[,\]\s]/.test(text[index] as string)) index++;
    return index;
  }
  for (; index < length; index++) {
    const character = text[index];
    if (character === '"') {
      index++;
      while (index < length && text[index] !== '"') {
        if (text[index] === '\\') index++;
        index++;
      }
      if (index >= length) return -1;
      if (depth === 0) return index + 1;
    } else if (character === '{' || character === '[') depth++;
    else if (character === '}' || character === ']') {
      depth--;
      if (depth === 0) return index + 1;
    }
  }
  return -1;
}

/**
 * Parses CSV (RFC 4180: `,` separated, `"` quoted with `""` escapes, fields may span lines) into
 * JSON objects keyed by the header row. A record with the wrong number of fields is a problem record.
 */
export function parseCsv(text: string): RecordText[] {
  const records: RecordText[] = [];
  let header: string[] | undefined;
  let index = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const length = text.length;
  while (index < length) {
    const startLine = line;
    const fields: string[] = [];
    let field = '';
    let unterminated = false;
    let recordEnd = false;
    while (!recordEnd) {
      if (text[index] === '"') {
        index++;
        for (;;) {
          if (index >= length) {
            unterminated = true;
            break;
          }
          const character = text[index] as string;
          if (character === '"') {
            if (text[index + 1] === '"') {
              field += '"';
              index += 2;
              continue;
            }
            index++;
            break;
          }
          if (character === '\n') line++;
          field += character;
          index++;
        }
      }
      while (index < length && text[index] !== ',' && text[index] !== '\n') {
        field += text[index];
        index++;
      }
      if (text[index] === ',') {
        fields.push(field.replace(/\r$/, ''));
        field = '';
        index++;
      } else {
        fields.push(field.replace(/\r$/, ''));
        if (text[index] === '\n') line++;
        index++;
        recordEnd = true;
      }
    }
    if (fields.length === 1 && fields[0] === '') {
      if (index < length)
        records.push({ line: startLine, text: '', problem: 'empty_line', detail: 'expected a CSV record, found an empty line' });
      continue;
    }
    if (!header) {
      header = fields;
      continue;
    }
    if (unterminated) {
      records.push({
        line: startLine,
        text: fields.join(',').slice(0, 200),
        problem: 'invalid_csv',
        detail: 'expected a closing `"`, found the end of the file',
      });
      continue;
    }
    if (fields.length !== header.length) {
      records.push({
        line: startLine,
        text: fields.join(',').slice(0, 200),
        problem: 'wrong_field_count',
        detail: `expected ${header.length} fields, found ${fields.length}`,
      });
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((name, position) => {
      row[name] = fields[position] as string;
    });
    records.push({ line: startLine, text: JSON.stringify(row) });
  }
  return records;
}
