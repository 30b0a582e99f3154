// Serves /openapi/v3 (the index and one document per group-version), rebuilt lazily when the set
// of resources or schemas changes. Documents are immutable per hash, so clients may cache them.
import { createHash } from 'node:crypto';
import { errors } from '../api/errors.js';
import type { ResourceCatalog } from './catalog.js';
import { sendJson, type Reply } from './http.js';

export type OpenAPIBuilder = (group: string, version: string) => object;

interface Doc {
  body: string;
  hash: string;
}

export class OpenAPIService {
  private docs = new Map<string, Doc>();
  private builtFor = -1;

  constructor(
    private readonly catalog: ResourceCatalog,
    private readonly build: OpenAPIBuilder,
    private readonly schemaVersion: () => number,
  ) {}

  private key(group: string, version: string): string {
    return group ? `apis/${group}/${version}` : `api/${version}`;
  }

  private refresh(): void {
    const gen = this.catalog.generation * 1_000_003 + this.schemaVersion();
    if (gen === this.builtFor) return;
    this.docs.clear();
    this.builtFor = gen;
  }

  private doc(group: string, version: string): Doc {
    this.refresh();
    const k = this.key(group, version);
    let d = this.docs.get(k);
    if (!d) {
      const body = JSON.stringify(this.build(group, version));
      d = { body, hash: createHash('sha512').update(body).digest('hex').slice(0, 128).toUpperCase() };
      this.docs.set(k, d);
    }
    return d;
  }

  serve(r: Reply, path: string, query: URLSearchParams): void {
    const rest = path.replace(/^\/openapi\/v3\/?/, '');
    if (!rest) {
      const paths: Record<string, { serverRelativeURL: string }> = {};
      for (const g of this.catalog.groupList()) {
        for (const v of g.versions) {
          const k = this.key(g.name, v);
          paths[k] = { serverRelativeURL: `/openapi/v3/${k}?hash=${this.doc(g.name, v).hash}` };
        }
      }
      return sendJson(r, 200, { paths });
    }
    const parts = rest.split('/');
    let group = '';
    let version = '';
    if (parts[0] === 'api' && parts.length === 2) version = parts[1]!;
    else if (parts[0] === 'apis' && parts.length === 3) {
      group = parts[1]!;
      version = parts[2]!;
    } else throw errors.notFoundPath();
    if (!this.catalog.hasGroupVersion(group, version)) throw errors.notFoundPath();
    const d = this.doc(group, version);
    const hash = query.get('hash');
    if (hash && hash !== d.hash) {
      // Stale hash: point the client at the current document.
      (r.res as any).writeHead(301, { location: `/openapi/v3/${this.key(group, version)}?hash=${d.hash}`, 'cache-control': 'public, immutable' });
      r.res.end();
      return;
    }
    const cache = hash ? 'public, immutable' : 'no-cache, private';
    sendJson(r, 200, d.body, 'application/json', { etag: `"${d.hash}"`, 'cache-control': cache });
  }
}
