// NaCl secretbox (XSalsa20 stream + Poly1305 one-time authenticator), for the EncryptionConfiguration
// secretbox provider without a native library. Output layout as Go's x/crypto/nacl/secretbox:
// tag(16) ‖ ciphertext. Poly1305 uses bigint arithmetic: secrets are small and rarely written.

const rotl = (v: number, c: number) => ((v << c) | (v >>> (32 - c))) >>> 0;

/** The Salsa20 double-round function over 16 words, in place; 20 rounds. */
function salsaRounds(x: Uint32Array): void {
  for (let i = 0; i < 20; i += 2) {
    x[4]! ^= rotl((x[0]! + x[12]!) >>> 0, 7); x[8]! ^= rotl((x[4]! + x[0]!) >>> 0, 9);
    x[12]! ^= rotl((x[8]! + x[4]!) >>> 0, 13); x[0]! ^= rotl((x[12]! + x[8]!) >>> 0, 18);
    x[9]! ^= rotl((x[5]! + x[1]!) >>> 0, 7); x[13]! ^= rotl((x[9]! + x[5]!) >>> 0, 9);
    x[1]! ^= rotl((x[13]! + x[9]!) >>> 0, 13); x[5]! ^= rotl((x[1]! + x[13]!) >>> 0, 18);
    x[14]! ^= rotl((x[10]! + x[6]!) >>> 0, 7); x[2]! ^= rotl((x[14]! + x[10]!) >>> 0, 9);
    x[6]! ^= rotl((x[2]! + x[14]!) >>> 0, 13); x[10]! ^= rotl((x[6]! + x[2]!) >>> 0, 18);
    x[3]! ^= rotl((x[15]! + x[11]!) >>> 0, 7); x[7]! ^= rotl((x[3]! + x[15]!) >>> 0, 9);
    x[11]! ^= rotl((x[7]! + x[3]!) >>> 0, 13); x[15]! ^= rotl((x[11]! + x[7]!) >>> 0, 18);
    x[1]! ^= rotl((x[0]! + x[3]!) >>> 0, 7); x[2]! ^= rotl((x[1]! + x[0]!) >>> 0, 9);
    x[3]! ^= rotl((x[2]! + x[1]!) >>> 0, 13); x[0]! ^= rotl((x[3]! + x[2]!) >>> 0, 18);
    x[6]! ^= rotl((x[5]! + x[4]!) >>> 0, 7); x[7]! ^= rotl((x[6]! + x[5]!) >>> 0, 9);
    x[4]! ^= rotl((x[7]! + x[6]!) >>> 0, 13); x[5]! ^= rotl((x[4]! + x[7]!) >>> 0, 18);
    x[11]! ^= rotl((x[10]! + x[9]!) >>> 0, 7); x[8]! ^= rotl((x[11]! + x[10]!) >>> 0, 9);
    x[9]! ^= rotl((x[8]! + x[11]!) >>> 0, 13); x[10]! ^= rotl((x[9]! + x[8]!) >>> 0, 18);
    x[12]! ^= rotl((x[15]! + x[14]!) >>> 0, 7); x[13]! ^= rotl((x[12]! + x[15]!) >>> 0, 9);
    x[14]! ^= rotl((x[13]! + x[12]!) >>> 0, 13); x[15]! ^= rotl((x[14]! + x[13]!) >>> 0, 18);
  }
}

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

function initState(key: Uint8Array, input16: Uint8Array): Uint32Array {
  const k = new DataView(key.buffer, key.byteOffset, 32);
  const n = new DataView(input16.buffer, input16.byteOffset, 16);
  const s = new Uint32Array(16);
  s[0] = SIGMA[0]!; s[5] = SIGMA[1]!; s[10] = SIGMA[2]!; s[15] = SIGMA[3]!;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = k.getUint32(i * 4, true);
    s[11 + i] = k.getUint32(16 + i * 4, true);
    s[6 + i] = n.getUint32(i * 4, true);
  }
  return s;
}

/** HSalsa20: derives XSalsa20's subkey from the key and the first 16 nonce bytes. */
function hsalsa20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  const x = initState(key, nonce16);
  salsaRounds(x);
  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((w, i) => dv.setUint32(i * 4, x[w]!, true));
  return out;
}

/** XSalsa20 keystream XOR data (data may be all zeros to get the stream). */
function xsalsa20Xor(data: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  const subkey = hsalsa20(key, nonce.subarray(0, 16));
  const input = new Uint8Array(16);
  input.set(nonce.subarray(16, 24), 0);
  const out = new Uint8Array(data.length);
  const block = new Uint8Array(64);
  const bdv = new DataView(block.buffer);
  let counter = 0n;
  for (let off = 0; off < data.length; off += 64) {
    const idv = new DataView(input.buffer);
    idv.setBigUint64(8, counter, true);
    const s = initState(subkey, input);
    const x = s.slice();
    salsaRounds(x);
    for (let i = 0; i < 16; i++) bdv.setUint32(i * 4, (x[i]! + s[i]!) >>> 0, true);
    const n = Math.min(64, data.length - off);
    for (let i = 0; i < n; i++) out[off + i] = data[off + i]! ^ block[i]!;
    counter++;
  }
  return out;
}

const P1305 = (1n << 130n) - 5n;
function leBig(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

export function poly1305(msg: Uint8Array, key: Uint8Array): Uint8Array {
  const r = leBig(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leBig(key.subarray(16, 32));
  let acc = 0n;
  for (let off = 0; off < msg.length; off += 16) {
    const chunk = msg.subarray(off, Math.min(off + 16, msg.length));
    acc = ((acc + leBig(chunk) + (1n << BigInt(8 * chunk.length))) * r) % P1305;
  }
  let tag = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = Number(tag & 0xffn);
    tag >>= 8n;
  }
  return out;
}

function timingSafeEqual16(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < 16; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** secretbox.Seal: tag(16) ‖ ciphertext. */
export function secretboxSeal(plaintext: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer {
  const padded = new Uint8Array(32 + plaintext.length);
  padded.set(plaintext, 32);
  const stream = xsalsa20Xor(padded, nonce, key);
  const cipher = stream.subarray(32);
  const tag = poly1305(cipher, stream.subarray(0, 32));
  return Buffer.concat([tag, cipher]);
}

/** secretbox.Open: the plaintext, or undefined when authentication fails. */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Buffer | undefined {
  if (box.length < 16) return undefined;
  const cipher = box.subarray(16);
  const polyKey = xsalsa20Xor(new Uint8Array(32), nonce, key);
  if (!timingSafeEqual16(poly1305(cipher, polyKey), box.subarray(0, 16))) return undefined;
  const padded = new Uint8Array(32 + cipher.length);
  padded.set(cipher, 32);
  return Buffer.from(xsalsa20Xor(padded, nonce, key).subarray(32));
}
