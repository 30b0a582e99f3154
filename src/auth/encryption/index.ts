// Encryption at rest (issue 7): EncryptionConfiguration loading, the provider transformers
// (aescbc, aesgcm, secretbox, identity) and a Store wrapper applying them. It owns the bytes of
// configured resources' values only; it never interprets objects.
export { loadEncryptionConfig, parseEncryptionConfig, type EncryptionConfig } from './config.js';
export { EncryptedStore, rewriteAll, type RewriteResult } from './encrypted-store.js';
export { TransformError } from './providers.js';
