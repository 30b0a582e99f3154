// Runs every benchmark in this directory (bench/*.ts under tsx, dist/bench/*.js after a build)
// one after another, each in its own process so one's memory and event loop never colour
// another's figures. Arguments (e.g. --quick) are passed to every benchmark, except run's own:
// --only=api,store picks benchmarks, --list prints what would run.
//   npm run bench [-- --quick]        or        node --import tsx bench/run.ts [--quick]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Benchmarks that exist run in this order; any others follow alphabetically. */
const PREFERRED = ['api', 'store', 'scheduler', 'cluster-scale'];

function benchmarks(): string[] {
  const self = fileURLToPath(import.meta.url);
  const ext = self.endsWith('.ts') ? '.ts' : '.js';
  const dir = dirname(self);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && !f.endsWith('.test' + ext) && f !== basename(self))
    .map((f) => f.slice(0, -ext.length));
  const rank = (n: string) => (PREFERRED.includes(n) ? PREFERRED.indexOf(n) : PREFERRED.length);
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return names.map((n) => join(dir, n + ext));
}

function runOne(file: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, file, ...args], { stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.on('error', () => resolve(1));
  });
}

const own = (a: string) => a === '--list' || a.startsWith('--only=');
const args = process.argv.slice(2).filter((a) => !own(a));
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const nameOf = (file: string) => basename(file).replace(/\.(ts|js)$/, '');
const selected = benchmarks().filter((f) => !only || only.includes(nameOf(f)));
if (process.argv.includes('--list')) {
  for (const f of selected) console.log(nameOf(f));
  process.exit(0);
}
const results: { name: string; code: number; seconds: number }[] = [];
for (const file of selected) {
  const name = nameOf(file);
  console.log(`\n######## bench/${name} ${args.join(' ')}\n`);
  const t0 = performance.now();
  const code = await runOne(file, args);
  results.push({ name, code, seconds: (performance.now() - t0) / 1000 });
}
console.log('\n######## summary');
for (const r of results) console.log(`${r.name.padEnd(16)} ${r.code === 0 ? 'ok    ' : `FAILED (exit ${r.code})`} ${r.seconds.toFixed(0)} s`);
if (results.some((r) => r.code !== 0)) process.exitCode = 1;
