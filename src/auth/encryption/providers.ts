// Value transformers of the EncryptionConfiguration providers, byte-compatible with upstream:
//   aescbc:    k8s:enc:aescbc:v1:<key>:    IV(16) ‖ AES-CBC(PKCS#7) ciphertext
//   aesgcm:    k8s:enc:aesgcm:v1:<key>:    nonce(12) ‖ ciphertext ‖ tag(16), the store key as AAD
//   secretbox: k8s:enc:secretbox:v1:<key>: nonce(24) ‖ XSalsa20-Poly1305 box (tag ‖ ciphertext)
//   identity:  the plaintext, no prefix.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { secretboxOpen, secretboxSeal } from './secretbox.js';

/** One key of one provider: recognises its own prefix and transforms values. */
export interface KeyTransformer {
  /** Bytes every value written with this key starts with ('' for identity). */
  prefix: Buffer;
  encrypt(key: string, plaintext: Buffer): Buffer;
  /** Decrypts the payload after the prefix. */
  decrypt(key: string, payload: Buffer): Buffer;
}

export class TransformError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransformError';
  }
}

export function aescbc(name: string, secret: Buffer): KeyTransformer {
  if (![16, 24, 32].includes(secret.length)) throw new TransformError(`aescbc key "${name}": key must be 16, 24 or 32 bytes, got ${secret.length}`);
  const alg = `aes-${secret.length * 8}-cbc`;
  return {
    prefix: Buffer.from(`k8s:enc:aescbc:v1:${name}:`),
    encrypt(_key, plaintext) {
      const iv = randomBytes(16);
      const c = createCipheriv(alg, secret, iv);
      return Buffer.concat([iv, c.update(plaintext), c.final()]);
    },
    decrypt(_key, payload) {
      if (payload.length < 32 || payload.length % 16 !== 0) throw new TransformError('the stored data is not a multiple of the block size');
      const d = createDecipheriv(alg, secret, payload.subarray(0, 16));
      try {
        return Buffer.concat([d.update(payload.subarray(16)), d.final()]);
      } catch {
        throw new TransformError('invalid PKCS7 data (empty or not padded)');
      }
    },
  };
}

export function aesgcm(name: string, secret: Buffer): KeyTransformer {
  if (![16, 24, 32].includes(secret.length)) throw new TransformError(`aesgcm key "${name}": key must be 16, 24 or 32 bytes, got ${secret.length}`);
  const alg = `aes-${secret.length * 8}-gcm` as 'aes-256-gcm';
  return {
    prefix: Buffer.from(`k8s:enc:aesgcm:v1:${name}:`),
    encrypt(key, plaintext) {
      const nonce = randomBytes(12);
      const c = createCipheriv(alg, secret, nonce);
      c.setAAD(Buffer.from(key));
      const body = Buffer.concat([c.update(plaintext), c.final()]);
      return Buffer.concat([nonce, body, c.getAuthTag()]);
    },
    decrypt(key, payload) {
      if (payload.length < 28) throw new TransformError('the stored data was shorter than the required size');
      const d = createDecipheriv(alg, secret, payload.subarray(0, 12));
      d.setAAD(Buffer.from(key));
      d.setAuthTag(payload.subarray(payload.length - 16));
      try {
        return Buffer.concat([d.update(payload.subarray(12, payload.length - 16)), d.final()]);
      } catch {
        throw new TransformError('cipher: message authentication failed');
      }
    },
  };
}

export function secretbox(name: string, secret: Buffer): KeyTransformer {
  if (secret.length !== 32) throw new TransformError(`secretbox key "${name}": key must be 32 bytes, got ${secret.length}`);
  return {
    prefix: Buffer.from(`k8s:enc:secretbox:v1:${name}:`),
    encrypt(_key, plaintext) {
      const nonce = randomBytes(24);
      return Buffer.concat([nonce, secretboxSeal(plaintext, nonce, secret)]);
    },
    decrypt(_key, payload) {
      if (payload.length < 24 + 16) throw new TransformError('the stored data was shorter than the required size');
      const out = secretboxOpen(payload.subarray(24), payload.subarray(0, 24), secret);
      if (!out) throw new TransformError('output array was not large enough for encryption');
      return out;
    },
  };
}

export const identity: KeyTransformer = {
  prefix: Buffer.alloc(0),
  encrypt: (_k, p) => p,
  decrypt: (_k, p) => p,
};

const ENCRYPTED_MARK = Buffer.from('k8s:enc:');
export const looksEncrypted = (value: Buffer): boolean => value.length >= ENCRYPTED_MARK.length && value.subarray(0, ENCRYPTED_MARK.length).equals(ENCRYPTED_MARK);
