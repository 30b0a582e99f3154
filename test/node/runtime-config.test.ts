// The runtime foundation's pure parts (no root needed): containerd config and registry
// mirrors, the CNI conflist, the tar/OCI image writer, prerequisites and agent flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { containerdPaths, parseRegistries, renderConfigToml, renderHostsTomls } from '../../src/kubelet/containerd/containerd-config.js';
import { checkPrerequisites, MissingPrerequisitesError } from '../../src/kubelet/containerd/prerequisites.js';
import { renderConflist } from '../../src/kubelet/network/cni-config.js';
import { writeTar } from '../../src/kubelet/images/tar.js';
import { buildOciImage, ociArchitecture, pauseImage, refTag, PAUSE_IMAGE } from '../../src/kubelet/images/oci-image.js';
import { primaryIPv4 } from '../../src/agent/node-ip.js';
import { agentClientConfig } from '../../src/cli/agent-command.js';

test('config.toml carries the settings this machine needs', () => {
  const paths = containerdPaths('/var/lib/k8ts');
  assert.equal(paths.socket, '/var/lib/k8ts/agent/containerd/containerd.sock');
  const toml = renderConfigToml({
    paths,
    cniBinDir: '/usr/lib/cni',
    registries: { configs: { 'reg.example:5000': { auth: { username: 'u', password: 'p"w' } } } },
  });
  assert.match(toml, /^version = 2$/m);
  assert.match(toml, /^root = "\/var\/lib\/k8ts\/agent\/containerd\/root"$/m);
  assert.match(toml, /^\s+address = "\/var\/lib\/k8ts\/agent\/containerd\/containerd.sock"$/m);
  assert.match(toml, new RegExp(`sandbox_image = "${PAUSE_IMAGE.replace(/\./g, '\\.')}"`));
  assert.match(toml, /restrict_oom_score_adj = true/);
  assert.match(toml, /runtime_type = "io.containerd.runc.v2"/);
  assert.match(toml, /SystemdCgroup = false/);
  assert.match(toml, /bin_dir = "\/usr\/lib\/cni"/);
  assert.match(toml, /conf_dir = "\/var\/lib\/k8ts\/agent\/etc\/cni\/net.d"/);
  assert.match(toml, /config_path = "\/var\/lib\/k8ts\/agent\/etc\/containerd\/certs.d"/);
  assert.match(toml, /\[plugins\."io\.containerd\.grpc\.v1\.cri"\.registry\.configs\."reg\.example:5000"\.auth\]\n {2}username = "u"\n {2}password = "p\\"w"/);
});

test('registries.yaml (k3s format) becomes hosts.toml files', () => {
  const reg = parseRegistries(
    [
      'mirrors:',
      '  docker.io:',
      '    endpoint: ["http://127.0.0.1:5000", "https://mirror.example/"]',
      '  "*":',
      '    endpoint: ["http://127.0.0.1:5000"]',
      'configs:',
      '  mirror.example:',
      '    tls:',
      '      insecure_skip_verify: true',
      '      ca_file: /etc/ca.pem',
      '  private.example:',
      '    tls:',
      '      cert_file: /c.pem',
      '      key_file: /k.pem',
    ].join('\n'),
  );
  const hosts = renderHostsTomls(reg);
  assert.deepEqual([...hosts.keys()].sort(), ['_default', 'docker.io', 'mirror.example', 'private.example']);
  const dockerIo = hosts.get('docker.io')!;
  assert.match(dockerIo, /^server = "https:\/\/registry-1\.docker\.io"$/m);
  assert.ok(dockerIo.indexOf('[host."http://127.0.0.1:5000"]') < dockerIo.indexOf('[host."https://mirror.example"]'), 'order kept');
  assert.match(dockerIo, /\[host\."https:\/\/mirror\.example"\]\n {2}capabilities = \["pull", "resolve"\]\n {2}skip_verify = true\n {2}ca = "\/etc\/ca\.pem"/);
  assert.match(hosts.get('private.example')!, /^server = "https:\/\/private\.example"\nclient = \[\["\/c\.pem", "\/k\.pem"\]\]$/m);
  assert.doesNotMatch(hosts.get('_default')!, /server =/);
  assert.deepEqual(parseRegistries(''), { mirrors: {}, configs: {} });
  assert.throws(() => parseRegistries('mirrors:\n  docker.io:\n    endpoint: http://x\n'), /must be a list/);
});

test('CNI conflist: bridge with host-local for the pod range, then portmap', () => {
  const conf = JSON.parse(renderConflist({ podCIDR: '10.42.3.0/24', ipamDataDir: '/d/cni' }));
  assert.equal(conf.cniVersion, '1.0.0');
  const [bridge, portmap] = conf.plugins;
  assert.equal(bridge.type, 'bridge');
  assert.equal(bridge.bridge, 'cni0');
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, true);
  assert.deepEqual(bridge.ipam.ranges, [[{ subnet: '10.42.3.0/24' }]]);
  assert.deepEqual(bridge.ipam.routes, [{ dst: '0.0.0.0/0' }]);
  assert.equal(bridge.ipam.dataDir, '/d/cni');
  assert.deepEqual(portmap, { type: 'portmap', capabilities: { portMappings: true } });
  assert.throws(() => renderConflist({ podCIDR: '10.42.0.0/24', bridge: 'a-very-long-bridge-name' }), /15 characters/);
});

test('tar writer output is read back by GNU tar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-tar-'));
  try {
    const long = `${'d'.repeat(80)}/${'e'.repeat(60)}/file.txt`;
    const tar = writeTar([
      { type: 'dir', path: 'etc' },
      { type: 'file', path: 'etc/hello', data: 'hi\n', mode: 0o600 },
      { type: 'symlink', path: 'bin/sh', target: 'busybox' },
      { type: 'file', path: long, data: Buffer.alloc(1000, 1) },
    ]);
    assert.equal(tar.length % 512, 0);
    writeFileSync(join(dir, 'a.tar'), tar);
    const listing = execFileSync('tar', ['-tvf', join(dir, 'a.tar')], { encoding: 'utf8' });
    assert.match(listing, /^-rw------- root\/root\s+3 .* etc\/hello$/m);
    assert.match(listing, /^lrwxrwxrwx .* bin\/sh -> busybox$/m);
    assert.ok(listing.includes(long));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('OCI images are deterministic and well-formed', { skip: !existsSync('/bin/busybox') && 'no /bin/busybox' }, () => {
  const a = pauseImage();
  const b = pauseImage();
  assert.equal(a.manifestDigest, b.manifestDigest);
  assert.ok(a.archive.equals(b.archive));
  const img = buildOciImage({ ref: 'example.com/x/y:1.2', layers: [[{ type: 'file', path: 'hello', data: 'x' }]], cmd: ['sh'] });
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-oci-'));
  try {
    writeFileSync(join(dir, 'i.tar'), img.archive);
    execFileSync('tar', ['-xf', join(dir, 'i.tar'), '-C', dir]);
    const read = (p: string) => execFileSync('cat', [join(dir, p)]);
    const index = JSON.parse(read('index.json').toString());
    assert.equal(index.manifests[0].digest, img.manifestDigest);
    assert.equal(index.manifests[0].annotations['io.containerd.image.name'], 'example.com/x/y:1.2');
    assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], '1.2');
    const manifest = JSON.parse(read(`blobs/sha256/${img.manifestDigest.slice(7)}`).toString());
    const config = JSON.parse(read(`blobs/sha256/${manifest.config.digest.slice(7)}`).toString());
    assert.equal(config.architecture, ociArchitecture());
    assert.deepEqual(config.config.Cmd, ['sh']);
    const layer = gunzipSync(read(`blobs/sha256/${manifest.layers[0].digest.slice(7)}`));
    assert.equal(config.rootfs.diff_ids[0], 'sha256:' + (sha256Hex(layer)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function sha256Hex(b: Buffer): string {
  return execFileSync('sha256sum', { input: b, encoding: 'utf8' }).split(' ')[0]!;
}

test('image reference tags', () => {
  assert.equal(refTag('registry.k8s.io/pause:3.10'), '3.10');
  assert.equal(refTag('localhost:5000/busybox'), 'latest');
  assert.equal(refTag('busybox@sha256:abc'), 'latest');
});

test('missing prerequisites are reported together with an install hint', () => {
  const err = (() => {
    try {
      checkPrerequisites({ cniBinDir: '/nonexistent/cni', needContainerd: false });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof MissingPrerequisitesError);
  assert.match(err.message, /CNI plugins bridge, host-local, portmap, loopback \(in \/nonexistent\/cni\)/);
  assert.match(err.message, /apt-get install -y containerd runc containernetworking-plugins/);
});

test('node IP prefers physical interfaces', () => {
  const ifs = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    cni0: [{ address: '10.42.0.1', family: 'IPv4', internal: false }],
    eth0: [{ address: 'fe80::1', family: 'IPv6', internal: false }, { address: '192.168.1.5', family: 'IPv4', internal: false }],
  } as unknown as Parameters<typeof primaryIPv4>[0];
  assert.equal(primaryIPv4(ifs), '192.168.1.5');
  assert.equal(primaryIPv4({}), '127.0.0.1');
});

test('agent credentials from a kubeconfig (joining with a token is src/agent/join/)', () => {
  assert.throws(() => agentClientConfig({ token: 'abc.def' }), /--kubeconfig is required unless joining with --server and --token/);
  assert.throws(() => agentClientConfig({}), /--kubeconfig is required/);
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-kc-'));
  try {
    const kc = join(dir, 'kc.yaml');
    writeFileSync(
      kc,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: c',
        'contexts: [{name: c, context: {cluster: k, user: u}}]',
        `clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: ${Buffer.from('CA').toString('base64')}}}]`,
        `users: [{name: u, user: {client-certificate-data: ${Buffer.from('CERT').toString('base64')}, client-key-data: ${Buffer.from('KEY').toString('base64')}}}]`,
      ].join('\n'),
    );
    const c = agentClientConfig({ kubeconfig: kc, server: 'https://10.0.0.1:6443' });
    assert.deepEqual([c.server, c.caPem, c.certPem, c.keyPem], ['https://10.0.0.1:6443', 'CA', 'CERT', 'KEY']);
    const t = agentClientConfig({ kubeconfig: kc, token: 'tok' });
    assert.equal(t.token, 'tok');
    assert.equal(t.certPem, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
