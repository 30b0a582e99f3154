// status.completedIndexes of Indexed Jobs (pure): a sorted, comma-separated list of indexes and
// ranges, e.g. "0-2,5,7-9".

export function parseIndexes(s: string | undefined, completions: number): Set<number> {
  const out = new Set<number>();
  if (!s) return out;
  for (const part of s.split(',')) {
    const dash = part.indexOf('-');
    const from = Number.parseInt(dash < 0 ? part : part.slice(0, dash), 10);
    const to = dash < 0 ? from : Number.parseInt(part.slice(dash + 1), 10);
    if (Number.isNaN(from) || Number.isNaN(to)) continue;
    for (let i = from; i <= to && i < completions; i++) out.add(i);
  }
  return out;
}

export function formatIndexes(set: Iterable<number>): string {
  const sorted = [...set].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
