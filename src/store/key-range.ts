// Key-range arithmetic shared by the Store backends: "every key starting with prefix" as a
// half-open interval [prefix, end). Both SQLite (BINARY collation = UTF-8 byte order) and etcd
// (byte order) compare keys as UTF-8 bytes, which is the same as Unicode code point order.

/**
 * Smallest string greater than every string starting with prefix, or null when there is none
 * (empty prefix, or a prefix made only of U+10FFFF).
 */
export function prefixEndString(prefix: string): string | null {
  const cps = Array.from(prefix);
  while (cps.length > 0) {
    const cp = cps[cps.length - 1].codePointAt(0)!;
    if (cp < 0x10ffff) {
      // Lone surrogates cannot be encoded in UTF-8; skip over the surrogate block.
      const next = cp === 0xd7ff ? 0xe000 : cp + 1;
      cps[cps.length - 1] = String.fromCodePoint(next);
      return cps.join('');
    }
    cps.pop();
  }
  return null;
}

/** etcd's range_end for a prefix: the prefix bytes with the last byte incremented (carrying). */
export function prefixEndBytes(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  // No upper bound: etcd reads "\0" as "every key >= key".
  return Buffer.from([0]);
}
