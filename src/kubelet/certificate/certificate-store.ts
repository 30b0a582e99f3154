// Certificate and key files of one identity (<dir>/<name>.crt and .key), written so a crash never
// leaves a certificate next to the wrong key: the key file is written first, each through a
// temporary file and rename, both readable by root only.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CertificatePair {
  certPem: string;
  keyPem: string;
}

export class CertificateStore {
  constructor(private readonly dir: string) {}

  paths(name: string): { cert: string; key: string } {
    return { cert: join(this.dir, `${name}.crt`), key: join(this.dir, `${name}.key`) };
  }

  load(name: string): CertificatePair | undefined {
    const p = this.paths(name);
    if (!existsSync(p.cert) || !existsSync(p.key)) return undefined;
    return { certPem: readFileSync(p.cert, 'utf8'), keyPem: readFileSync(p.key, 'utf8') };
  }

  save(name: string, pair: CertificatePair): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const p = this.paths(name);
    writeAtomic(p.key, pair.keyPem);
    writeAtomic(p.cert, pair.certPem);
  }

  loadText(file: string): string | undefined {
    const p = join(this.dir, file);
    return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
  }

  saveText(file: string, text: string): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeAtomic(join(this.dir, file), text);
  }
}

export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}
