// Host and path matching with upstream Ingress semantics (pure). Hosts: exact names, or `*.x.y`
// matching exactly one extra leading label. Paths: Exact (string equality), Prefix (whole path
// elements, a trailing slash ignored), ImplementationSpecific (Prefix here), and regular
// expressions anchored at the start (ingress-nginx's use-regex, also implied by rewrite-target).

/** The host a request names: the Host header (or :authority) without port, lower-cased. */
export function requestHost(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  let h = hostHeader;
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return (end < 0 ? h : h.slice(0, end + 1)).toLowerCase();
  }
  const colon = h.lastIndexOf(':');
  if (colon >= 0) h = h.slice(0, colon);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h.toLowerCase();
}

/** True when an Ingress rule's wildcard host (`*.example.com`) covers host with one extra label. */
export function wildcardMatches(wildcard: string, host: string): boolean {
  if (!wildcard.startsWith('*.')) return false;
  const suffix = wildcard.slice(1); // ".example.com"
  if (host.length <= suffix.length || !host.endsWith(suffix)) return false;
  const label = host.slice(0, host.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}

/** Prefix matching by path elements: `/foo` matches `/foo`, `/foo/` and `/foo/bar`, not `/foobar`. */
export function prefixMatches(prefix: string, path: string): boolean {
  const p = prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  if (p === '/' || p === '') return true;
  if (!path.startsWith(p)) return false;
  return path.length === p.length || path.charCodeAt(p.length) === 47 /* / */;
}

export type PathMatcher =
  | { kind: 'Exact'; path: string }
  | { kind: 'Prefix'; path: string }
  | { kind: 'Regex'; path: string; re: RegExp };

export function compilePath(pathType: string | undefined, path: string | undefined, regex: boolean): PathMatcher {
  const p = path || '/';
  if (regex && pathType !== 'Exact') {
    try {
      return { kind: 'Regex', path: p, re: new RegExp(`^${p}`, 'i') };
    } catch {
      // ingress-nginx would reject the configuration; a literal prefix is the closest safe reading.
    }
  }
  return pathType === 'Exact' ? { kind: 'Exact', path: p } : { kind: 'Prefix', path: p };
}

/** The regex match (for capture groups) or true/false for literal matchers. */
export function matchPath(m: PathMatcher, path: string): RegExpExecArray | boolean {
  switch (m.kind) {
    case 'Exact':
      return path === m.path;
    case 'Prefix':
      return prefixMatches(m.path, path);
    case 'Regex':
      return m.re.exec(path) ?? false;
  }
}

/**
 * Substitutes `$1`..`$9` in a rewrite target with the groups the path regex captured; the query
 * string is kept, as nginx's rewrite does unless the target brings its own.
 */
export function rewritePath(target: string, match: RegExpExecArray | null, query: string): string {
  let out = target.replace(/\$(\d)/g, (_s, d: string) => (match ? match[Number(d)] ?? '' : ''));
  if (!out.startsWith('/')) out = `/${out}`;
  if (!query) return out;
  return out.includes('?') ? `${out}&${query}` : `${out}?${query}`;
}
