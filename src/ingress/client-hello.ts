// Reads the server name (SNI) from the first bytes of a TLS connection without terminating it,
// so the https listener can pass some connections through to a backend untouched (pure).

export type ClientHelloResult =
  | { kind: 'incomplete' } // need more bytes
  | { kind: 'notTls' }
  | { kind: 'hello'; serverName?: string };

/** The most bytes worth buffering before giving up on finding a ClientHello (one full record). */
export const MAX_CLIENT_HELLO = 16 * 1024 + 5;

export function parseClientHello(buf: Buffer): ClientHelloResult {
  if (buf.length < 5) return buf.length > 0 && buf[0] !== 0x16 ? { kind: 'notTls' } : { kind: 'incomplete' };
  if (buf[0] !== 0x16 || buf[1] !== 0x03) return { kind: 'notTls' }; // handshake record, TLS 1.x
  const recordLen = buf.readUInt16BE(3);
  if (buf.length < 5 + recordLen) return { kind: 'incomplete' };
  // A ClientHello split over several records is legal but rare; only the first is read.
  const end = 5 + recordLen;
  let p = 5;
  if (buf[p] !== 0x01) return { kind: 'notTls' }; // handshake type ClientHello
  p += 4; // type + 24-bit length
  p += 2 + 32; // client_version + random
  if (p >= end) return { kind: 'hello' };
  p += 1 + buf[p]!; // session id
  if (p + 2 > end) return { kind: 'hello' };
  p += 2 + buf.readUInt16BE(p); // cipher suites
  if (p + 1 > end) return { kind: 'hello' };
  p += 1 + buf[p]!; // compression methods
  if (p + 2 > end) return { kind: 'hello' };
  const extEnd = Math.min(end, p + 2 + buf.readUInt16BE(p));
  p += 2;
  while (p + 4 <= extEnd) {
    const type = buf.readUInt16BE(p);
    const len = buf.readUInt16BE(p + 2);
    p += 4;
    if (type === 0 && p + len <= extEnd) {
      // server_name: list length, then entries (type 0 = host_name, 2-byte length, name)
      let q = p + 2;
      const listEnd = Math.min(p + len, p + 2 + buf.readUInt16BE(p));
      while (q + 3 <= listEnd) {
        const nameType = buf[q]!;
        const nameLen = buf.readUInt16BE(q + 1);
        q += 3;
        if (nameType === 0 && q + nameLen <= listEnd) return { kind: 'hello', serverName: buf.toString('latin1', q, q + nameLen) };
        q += nameLen;
      }
      return { kind: 'hello' };
    }
    p += len;
  }
  return { kind: 'hello' };
}
