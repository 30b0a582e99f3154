// A minimal ustar writer: enough to pack image layers and OCI archives deterministically
// (fixed owners and mtimes, so the same input always yields the same digest).

export type TarEntry =
  | { type: 'file'; path: string; data: Buffer | string; mode?: number }
  | { type: 'dir'; path: string; mode?: number }
  | { type: 'symlink'; path: string; target: string };

const BLOCK = 512;
const FIXED_MTIME = 0;

function writeString(buf: Buffer, offset: number, length: number, value: string): void {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > length) throw new Error(`tar: "${value}" does not fit in ${length} bytes`);
  bytes.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, value: number): void {
  writeString(buf, offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
}

/** Splits a path over ustar's prefix (155) and name (100) fields. */
function splitPath(path: string): [prefix: string, name: string] {
  if (Buffer.byteLength(path) <= 100) return ['', path];
  for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return [prefix, name];
  }
  throw new Error(`tar: path too long: ${path}`);
}

function header(path: string, typeflag: string, mode: number, size: number, linkname = ''): Buffer {
  const h = Buffer.alloc(BLOCK);
  const [prefix, name] = splitPath(path);
  writeString(h, 0, 100, name);
  writeOctal(h, 100, 8, mode);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, size);
  writeOctal(h, 136, 12, FIXED_MTIME);
  h.fill(0x20, 148, 156);
  writeString(h, 156, 1, typeflag);
  writeString(h, 157, 100, linkname);
  writeString(h, 257, 6, 'ustar\0');
  writeString(h, 263, 2, '00');
  writeString(h, 265, 32, 'root');
  writeString(h, 297, 32, 'root');
  writeString(h, 345, 155, prefix);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += h[i]!;
  writeString(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** Packs the entries, in the given order, into one tar stream ending in two zero blocks. */
export function writeTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const path = e.path.replace(/^\/+/, '');
    if (e.type === 'dir') {
      parts.push(header(path.endsWith('/') ? path : `${path}/`, '5', e.mode ?? 0o755, 0));
    } else if (e.type === 'symlink') {
      parts.push(header(path, '2', 0o777, 0, e.target));
    } else {
      const data = typeof e.data === 'string' ? Buffer.from(e.data) : e.data;
      parts.push(header(path, '0', e.mode ?? 0o644, data.length), data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) parts.push(Buffer.alloc(pad));
    }
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}
