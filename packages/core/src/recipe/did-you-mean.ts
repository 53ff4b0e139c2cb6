/** Edit distance (Damerau–Levenshtein, optimal string alignment) between two short strings. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)),
  );
  for (let row = 1; row < rows; row++) {
    for (let column = 1; column < columns; column++) {
      const cost = a[row - 1] === b[column - 1] ? 0 : 1;
      const current = table[row] as number[];
      const previous = table[row - 1] as number[];
      let best = Math.min((previous[column] as number) + 1, (current[column - 1] as number) + 1, (previous[column - 1] as number) + cost);
      if (row > 1 && column > 1 && a[row - 1] === b[column - 2] && a[row - 2] === b[column - 1]) {
        best = Math.min(best, ((table[row - 2] as number[])[column - 2] as number) + 1);
      }
      current[column] = best;
    }
  }
  return (table[rows - 1] as number[])[columns - 1] as number;
}

/**
 * The closest candidate to `input`, if it is close enough to be a plausible typo (distance at most a
 * third of the longer word, at least 1; or one is a prefix/suffix of the other).
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  let bestFull = Number.POSITIVE_INFINITY;
  const lowered = input.toLowerCase();
  for (const candidate of candidates) {
    const other = candidate.toLowerCase();
    const full = editDistance(lowered, other);
    let distance = full;
    // `minhash` for `dedup/minhash`: the part after the family counts as a near miss too; ties go to
    // the candidate closest as a whole (the shorter family).
    const tail = other.includes('/') ? other.slice(other.indexOf('/') + 1) : undefined;
    if (tail !== undefined && !lowered.includes('/')) distance = Math.min(distance, editDistance(lowered, tail));
    if (distance < bestDistance || (distance === bestDistance && full < bestFull)) {
      bestDistance = distance;
      bestFull = full;
      best = candidate;
    }
  }
  if (best === undefined) return undefined;
  const limit = Math.max(1, Math.floor(Math.max(input.length, best.length) / 3));
  return bestDistance <= limit ? best : undefined;
}
