import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLogLine, parseLogOptions, selectEntries, streamLog, type LogEntry } from '../../src/kubelet/server/cri-log.js';

const line = (t: string, s: string, tag: string, msg: string) => `${t} ${s} ${tag} ${msg}\n`;

test('parses CRI log lines', () => {
  const e = parseLogLine(Buffer.from('2024-01-02T03:04:05.123456789Z stdout F hello world'))!;
  assert.equal(e.stream, 'stdout');
  assert.equal(e.partial, false);
  assert.equal(e.message.toString(), 'hello world');
  assert.equal(e.timeMs, Date.parse('2024-01-02T03:04:05.123Z'));
  assert.equal(parseLogLine(Buffer.from('2024-01-02T03:04:05Z stderr P part'))!.partial, true);
  assert.equal(parseLogLine(Buffer.from('2024-01-02T03:04:05Z stdout F'))!.message.length, 0);
  assert.equal(parseLogLine(Buffer.from('garbage')), undefined);
});

test('tailLines counts full lines, keeping partial pieces with their line', () => {
  const mk = (msg: string, partial = false): LogEntry => ({ time: 't', timeMs: 0, stream: 'stdout', partial, message: Buffer.from(msg) });
  const es = [mk('a'), mk('b1', true), mk('b2'), mk('c')];
  assert.deepEqual(selectEntries(es, { tailLines: 2 }).map((e) => e.message.toString()), ['b1', 'b2', 'c']);
  assert.deepEqual(selectEntries(es, { tailLines: 0 }), []);
  assert.equal(selectEntries(es, { tailLines: 10 }).length, 4);
});

test('parses and validates log options', () => {
  const now = Date.parse('2024-01-01T00:01:00Z');
  const o = parseLogOptions(new URLSearchParams('follow=true&tailLines=5&sinceSeconds=10&timestamps=true'), now);
  assert.deepEqual(o, { follow: true, previous: false, timestamps: true, tailLines: 5, sinceTimeMs: now - 10_000 });
  assert.throws(() => parseLogOptions(new URLSearchParams('sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z'), now));
  assert.throws(() => parseLogOptions(new URLSearchParams('tailLines=-1'), now));
  assert.equal(parseLogOptions(new URLSearchParams('sinceTime=2024-01-01T00:00:30Z'), now).sinceTimeMs, Date.parse('2024-01-01T00:00:30Z'));
});

test('streams a log with timestamps, since and limitBytes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-log-'));
  try {
    const p = join(dir, '0.log');
    writeFileSync(p, line('2024-01-01T00:00:00Z', 'stdout', 'F', 'one') + line('2024-01-01T00:00:10Z', 'stderr', 'F', 'two') + line('2024-01-01T00:00:20Z', 'stdout', 'P', 'thr') + line('2024-01-01T00:00:20Z', 'stdout', 'F', 'ee'));
    const run = async (q: string) => {
      const out: Buffer[] = [];
      await streamLog({ path: p, opts: parseLogOptions(new URLSearchParams(q), 0), sink: { write: (b) => out.push(b) }, stillRunning: async () => false, signal: new AbortController().signal });
      return Buffer.concat(out).toString();
    };
    assert.equal(await run(''), 'one\ntwo\nthree\n');
    assert.equal(await run('tailLines=1'), 'three\n');
    assert.equal(await run('timestamps=true&tailLines=2'), '2024-01-01T00:00:10Z two\n2024-01-01T00:00:20Z thr2024-01-01T00:00:20Z ee\n');
    assert.equal(await run('sinceTime=2024-01-01T00:00:05Z'), 'two\nthree\n');
    assert.equal(await run('limitBytes=6'), 'one\ntw');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('follow tails new lines until the container stops', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'k8ts-log-'));
  try {
    const p = join(dir, '0.log');
    writeFileSync(p, line('2024-01-01T00:00:00Z', 'stdout', 'F', 'first'));
    let running = true;
    const out: string[] = [];
    const done = streamLog({ path: p, opts: parseLogOptions(new URLSearchParams('follow=true'), 0), sink: { write: (b) => out.push(b.toString()) }, stillRunning: async () => running, signal: new AbortController().signal, pollMs: 10 });
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(p, line('2024-01-01T00:00:01Z', 'stdout', 'F', 'sec'));
    appendFileSync(p, '2024-01-01T00:00:02Z stdout F ond-half-');
    await new Promise((r) => setTimeout(r, 50));
    appendFileSync(p, 'written\n');
    await new Promise((r) => setTimeout(r, 50));
    running = false;
    await done;
    assert.equal(out.join(''), 'first\nsec\nond-half-written\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
