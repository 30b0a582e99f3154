// A minimal DNS client for tests and benchmarks: one question over UDP or TCP to host:port.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet } from 'dns-packet';

export type DnsReply = DecodedPacket & { rcode?: string };

let nextId = 1;

export function encodeQuestion(name: string, type: string, edns?: number): Buffer {
  const p: Packet = { id: (nextId = (nextId + 1) & 0xffff), type: 'query', flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A' }] };
  if (edns) p.additionals = [{ type: 'OPT', name: '.', udpPayloadSize: edns, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }];
  return dnsPacket.encode(p);
}

export function udpQuery(host: string, port: number, name: string, type: string, opts: { edns?: number; timeoutMs?: number } = {}): Promise<DnsReply> {
  const query = encodeQuestion(name, type, opts.edns);
  return new Promise((resolve, reject) => {
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const timer = setTimeout(() => {
      s.close();
      reject(new Error(`no UDP answer for ${name}/${type}`));
    }, opts.timeoutMs ?? 3000);
    s.on('message', (msg) => {
      clearTimeout(timer);
      s.close();
      resolve(dnsPacket.decode(msg));
    });
    s.send(query, port, host);
  });
}

export function tcpQuery(host: string, port: number, name: string, type: string, timeoutMs = 3000): Promise<DnsReply> {
  const query = encodeQuestion(name, type);
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    let buf = Buffer.alloc(0);
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`no TCP answer for ${name}/${type}`)));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        sock.end();
        resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
      }
    });
    sock.on('error', reject);
  });
}

export const answerData = (r: DnsReply, type?: string): unknown[] => (r.answers ?? []).filter((a) => !type || a.type === type).map((a) => (a as { data: unknown }).data);
