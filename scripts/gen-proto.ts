// Dev-time generator for src/api/schema/data/proto-messages.json: the wire facts (message names,
// field numbers, types) of upstream's generated.proto files, joined with the Go struct facts that
// decide how a decoded message looks as JSON (pointer or not, omitempty, JSON name, inlined).
// It reads bare git mirrors of kubernetes/api, kubernetes/apimachinery and
// kubernetes/apiextensions-apiserver and never runs in CI: the JSON output is committed.
//
// Usage: npx tsx scripts/gen-proto.ts [--mirror /work/.mirror] [--out src/api/schema/data/proto-messages.json]

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

interface Source {
  repo: string; // mirror folder name
  module: string; // Go module path, for the output's provenance
  dirs: string[];
}

const SOURCES: Source[] = [
  {
    repo: 'kubernetes+api',
    module: 'k8s.io/api',
    dirs: ['core/v1', 'apps/v1', 'batch/v1', 'autoscaling/v1', 'autoscaling/v2', 'networking/v1', 'discovery/v1', 'storage/v1', 'rbac/v1', 'coordination/v1', 'policy/v1', 'events/v1', 'certificates/v1', 'authentication/v1', 'authorization/v1', 'scheduling/v1', 'admissionregistration/v1', 'node/v1'],
  },
  { repo: 'kubernetes+apimachinery', module: 'k8s.io/apimachinery', dirs: ['pkg/apis/meta/v1', 'pkg/runtime', 'pkg/util/intstr', 'pkg/api/resource'] },
  { repo: 'kubernetes+apiextensions-apiserver', module: 'k8s.io/apiextensions-apiserver', dirs: ['pkg/apis/apiextensions/v1'] },
];

/** Field flags in the output; kept numeric so the JSON stays compact. */
export const FLAG_REPEATED = 1;
export const FLAG_POINTER = 2; // Go field is a pointer: presence on the wire is meaningful
export const FLAG_OMITEMPTY = 4; // Go json tag has omitempty
export const FLAG_INLINE = 8; // Go embedded struct without a JSON name: fields merge into the parent

interface ProtoField {
  name: string;
  number: number;
  repeated: boolean;
  type: string; // scalar, full message name, or map<k,v> with v resolved
}

interface ProtoMessage {
  fullName: string;
  fields: ProtoField[];
}

interface GoField {
  jsonName: string;
  pointer: boolean;
  omitempty: boolean;
  inline: boolean;
}

const SCALARS = new Set(['string', 'bytes', 'bool', 'int32', 'int64', 'uint32', 'uint64', 'double', 'float', 'sint32', 'sint64', 'fixed32', 'fixed64', 'sfixed32', 'sfixed64']);

function git(gitDir: string, ...args: string[]): string {
  return execFileSync('git', [`--git-dir=${gitDir}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Parses the proto2 subset go-to-protobuf emits: package, messages, optional/repeated/map fields. */
export function parseProto(text: string): ProtoMessage[] {
  const lines = text.replace(/\/\*[\s\S]*?\*\//g, '').split('\n');
  let pkg = '';
  const messages: ProtoMessage[] = [];
  let current: ProtoMessage | undefined;
  const resolveType = (t: string): string => (SCALARS.has(t) ? t : t.includes('.') ? t.replace(/^\./, '') : `${pkg}.${t}`);
  for (const raw of lines) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (!line) continue;
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^package ([\w.]+);$/))) pkg = m[1];
    else if ((m = line.match(/^message (\w+) \{$/))) {
      if (current) throw new Error(`nested message ${m[1]} not supported`);
      current = { fullName: `${pkg}.${m[1]}`, fields: [] };
    } else if (line === '}') {
      if (!current) throw new Error('unbalanced }');
      messages.push(current);
      current = undefined;
    } else if ((m = line.match(/^(optional|repeated) ([\w.]+) (\w+) = (\d+);$/))) {
      if (!current) throw new Error(`field outside message: ${line}`);
      current.fields.push({ name: m[3], number: Number(m[4]), repeated: m[1] === 'repeated', type: resolveType(m[2]) });
    } else if ((m = line.match(/^map<(\w+), ?([\w.]+)> (\w+) = (\d+);$/))) {
      if (!current) throw new Error(`field outside message: ${line}`);
      current.fields.push({ name: m[3], number: Number(m[4]), repeated: false, type: `map<${m[1]},${resolveType(m[2])}>` });
    } else if (/^(syntax|import|option) /.test(line)) continue;
    else throw new Error(`unsupported proto line: ${line}`);
  }
  return messages;
}

/** Reads Go struct declarations: struct name → proto field number → JSON facts. */
export function parseGoStructs(text: string): { structs: Map<string, Map<number, GoField>>; sliceTypes: Set<string> } {
  const structs = new Map<string, Map<number, GoField>>();
  const sliceTypes = new Set<string>();
  let current: Map<number, GoField> | undefined;
  for (const raw of text.split('\n')) {
    let m: RegExpMatchArray | null;
    if (!current) {
      if ((m = raw.match(/^type (\w+) struct \{/))) {
        current = new Map();
        structs.set(m[1], current);
      } else if ((m = raw.match(/^type (\w+) \[\]\w/))) sliceTypes.add(m[1]);
      continue;
    }
    if (/^\}/.test(raw)) {
      current = undefined;
      continue;
    }
    const fm = raw.match(/^\s*(?:(\w+)\s+)?([^\s`]+)\s+`([^`]*)`/);
    if (!fm) continue;
    const tags = fm[3];
    const proto = tags.match(/protobuf:"([^"]*)"/)?.[1];
    if (!proto || proto === '-') continue;
    // Keyed by number: some embedded fields carry no name= in their tag.
    const protoNumber = Number(proto.split(',')[1]);
    if (!Number.isInteger(protoNumber)) continue;
    const json = tags.match(/json:"([^"]*)"/)?.[1] ?? '';
    const [jsonName, ...opts] = json.split(',');
    const embedded = fm[1] === undefined;
    current.set(protoNumber, {
      jsonName: jsonName || (embedded ? '' : fm[1]!),
      pointer: fm[2].startsWith('*'),
      omitempty: opts.includes('omitempty'),
      inline: embedded && jsonName === '',
    });
  }
  return { structs, sliceTypes };
}

function main(): void {
  const args = process.argv.slice(2);
  const opt = (name: string, dflt: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : dflt;
  };
  const mirror = opt('--mirror', '/work/.mirror');
  const out = resolve(opt('--out', 'src/api/schema/data/proto-messages.json'));

  const sources: Record<string, string> = {};
  // Field tuple: [number, protoName, type, flags, jsonName?] (jsonName only when it differs).
  const messages: Record<string, unknown[]> = {};
  const lists: string[] = [];
  for (const src of SOURCES) {
    const gitDir = `${mirror}/${src.repo}/repo`;
    sources[src.module] = git(gitDir, 'rev-parse', 'HEAD').trim();
    for (const dir of src.dirs) {
      const protoMsgs = parseProto(git(gitDir, 'show', `HEAD:${dir}/generated.proto`));
      const goFiles = git(gitDir, 'ls-tree', '--name-only', 'HEAD', `${dir}/`)
        .split('\n')
        .filter((f) => f.endsWith('.go') && !f.endsWith('_test.go') && !/\/(generated\.pb|zz_generated[^/]*)\.go$/.test(f));
      const structs = new Map<string, Map<number, GoField>>();
      const sliceTypes = new Set<string>();
      for (const f of goFiles) {
        const parsed = parseGoStructs(git(gitDir, 'show', `HEAD:${f}`));
        for (const [k, v] of parsed.structs) structs.set(k, v);
        for (const s of parsed.sliceTypes) sliceTypes.add(s);
      }
      for (const msg of protoMsgs) {
        const short = msg.fullName.slice(msg.fullName.lastIndexOf('.') + 1);
        if (sliceTypes.has(short)) lists.push(msg.fullName);
        const goStruct = structs.get(short);
        messages[msg.fullName] = msg.fields.map((f) => {
          const go = goStruct?.get(f.number);
          let flags = f.repeated ? FLAG_REPEATED : 0;
          if (go?.pointer) flags |= FLAG_POINTER;
          if (go?.omitempty) flags |= FLAG_OMITEMPTY;
          if (go?.inline) flags |= FLAG_INLINE;
          // Messages without a Go struct (hand-written marshalers) keep the proto name as JSON name.
          const jsonName = go ? go.jsonName : f.name;
          return jsonName === f.name ? [f.number, f.name, f.type, flags] : [f.number, f.name, f.type, flags, jsonName];
        });
      }
    }
  }
  const body = { sources, lists: lists.sort(), messages };
  // One message per line: diffs stay readable and the file stays compact.
  const text = '{"sources":' + JSON.stringify(sources) + ',"lists":' + JSON.stringify(body.lists) + ',"messages":{\n' +
    Object.keys(messages).sort().map((k) => JSON.stringify(k) + ':' + JSON.stringify(messages[k])).join(',\n') + '\n}}\n';
  writeFileSync(out, text);
  console.log(`wrote ${Object.keys(messages).length} messages to ${out}`);
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('gen-proto.ts')) main();
