// Turns a request path into what it addresses (like upstream's RequestInfoFactory): API group,
// version, namespace, resource, name, subresource and the verb.

export interface RequestInfo {
  isResourceRequest: boolean;
  path: string;
  verb: string; // get list watch create update patch delete deletecollection (or the HTTP method lower-cased for non-resource requests)
  apiPrefix: 'api' | 'apis' | '';
  group: string;
  version: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  parts: string[];
}

const namespaceSubresources = new Set(['status', 'finalize']);

export function parseRequestInfo(method: string, path: string, query: URLSearchParams): RequestInfo {
  const info: RequestInfo = { isResourceRequest: false, path, verb: method.toLowerCase(), apiPrefix: '', group: '', version: '', namespace: '', resource: '', subresource: '', name: '', parts: [] };
  let parts = path.split('/').filter((p) => p !== '');
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  parts = parts.slice(1);
  if (prefix === 'apis') {
    if (parts.length < 3) return info; // /apis, /apis/g, /apis/g/v are discovery
    info.group = parts[0]!;
    parts = parts.slice(1);
  } else if (parts.length < 2) return info; // /api, /api/v1
  info.version = parts[0]!;
  parts = parts.slice(1);
  info.isResourceRequest = true;
  if (parts[0] === 'namespaces' && parts.length > 1) {
    info.namespace = parts[1]!;
    if (parts.length > 2 && !namespaceSubresources.has(parts[2]!)) parts = parts.slice(2);
  }
  info.parts = parts;
  info.resource = parts[0] ?? '';
  info.name = parts[1] ?? '';
  info.subresource = parts.slice(2).join('/');
  // /api/v1/namespaces/x names the namespace itself; keep namespace unset for a cluster-scoped resource.
  if (info.resource === 'namespaces') info.namespace = '';
  const m = method.toUpperCase();
  const watch = query.get('watch');
  const isWatch = watch === 'true' || watch === '1';
  switch (m) {
    case 'GET':
    case 'HEAD':
      info.verb = info.name ? (isWatch ? 'watch' : 'get') : isWatch ? 'watch' : 'list';
      break;
    case 'POST':
      info.verb = 'create';
      break;
    case 'PUT':
      info.verb = 'update';
      break;
    case 'PATCH':
      info.verb = 'patch';
      break;
    case 'DELETE':
      info.verb = info.name ? 'delete' : 'deletecollection';
      break;
    default:
      info.verb = m.toLowerCase();
  }
  return info;
}
