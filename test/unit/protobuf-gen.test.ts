import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { parseGoStructs, parseProto } from '../../scripts/gen-proto.js';
import { startCaptureServer } from '../support/capture-server.js';
import { decodeKubeProtobuf } from '../../src/api/schema/protobuf.js';

test('gen-proto parses the generated.proto subset and Go struct tags', () => {
  const msgs = parseProto('syntax = "proto2";\npackage k8s.io.api.demo.v1;\n// c\nmessage A {\n  // x\n  optional string name = 1;\n  repeated B items = 2;\n  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> hard = 3;\n}\n');
  assert.deepEqual(msgs, [
    {
      fullName: 'k8s.io.api.demo.v1.A',
      fields: [
        { name: 'name', number: 1, repeated: false, type: 'string' },
        { name: 'items', number: 2, repeated: true, type: 'k8s.io.api.demo.v1.B' },
        { name: 'hard', number: 3, repeated: false, type: 'map<string,k8s.io.apimachinery.pkg.api.resource.Quantity>' },
      ],
    },
  ]);
  const go = parseGoStructs('type A struct {\n\tReplicas *int32 `json:"replicas,omitempty" protobuf:"varint,1,opt,name=replicas"`\n\tVolumeSource `json:"" protobuf:"bytes,2,opt,name=volumeSource"`\n\tRef string `json:"$ref,omitempty" protobuf:"bytes,3,opt,name=ref"`\n}\ntype Extra []string\n');
  assert.deepEqual(go.structs.get('A')?.get(1), { jsonName: 'replicas', pointer: true, omitempty: true, inline: false });
  assert.deepEqual(go.structs.get('A')?.get(2), { jsonName: '', pointer: false, omitempty: false, inline: true });
  assert.equal(go.structs.get('A')?.get(3)?.jsonName, '$ref');
  assert.ok(go.sliceTypes.has('Extra'));
});

const live = existsSync('/usr/bin/kubectl') && existsSync('/usr/bin/openssl');
test('live: real kubectl protobuf bodies decode to its own dry-run JSON', { skip: !live && 'kubectl or openssl missing', timeout: 120_000 }, async () => {
  const s = await startCaptureServer();
  try {
    for (const args of [['create', 'configmap', 'live', '--from-literal=k=v'], ['create', 'deployment', 'live', '--image=nginx', '--replicas=0']]) {
      const before = s.requests.length;
      const r = await s.kubectl(args);
      assert.equal(r.status, 0, r.stderr);
      const req = s.requests.slice(before).find((q) => q.contentType.includes('protobuf'));
      assert.ok(req, 'kubectl sent a protobuf body');
      const dry = await s.kubectl([...args, '--dry-run=client', '-o', 'json']);
      assert.deepEqual(decodeKubeProtobuf(req.body).object, JSON.parse(dry.stdout));
    }
  } finally {
    await s.close();
  }
});
