// Request body decoding: size limit, JSON and YAML into plain JSON data. Owns the bytes-to-data step
// only; it never looks at kinds, schemas or field validation modes beyond reporting duplicate keys.
// Protobuf bodies are decoded by src/api/schema/protobuf.ts (they need the message table).
// Every failure is a StatusError (400 BadRequest, 413 RequestEntityTooLarge).

export { decodeJsonBody, MAX_JSON_DEPTH, type JsonDecodeOptions, type JsonDecodeResult } from './json.js';
export { decodeYamlBody, MAX_YAML_ALIASES, type YamlDecodeOptions } from './yaml.js';
export { readBody, DEFAULT_BODY_LIMIT } from './read-body.js';
