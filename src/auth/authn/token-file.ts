// Static token file (--token-auth-file): CSV lines `token,user,uid,"group1,group2"`. Owns parsing
// and the lookup; the file is read once at start, as upstream does.
import { readFileSync } from 'node:fs';
import type { TokenAuthenticator, UserInfo } from '../types.js';

/** Splits one CSV record (RFC 4180 quotes, "" for a literal quote); leading spaces trimmed. */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error('unterminated quoted field');
        const ch = line[i]!;
        if (ch === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += ch;
        i++;
      }
      while (i < line.length && line[i] !== ',') i++;
    } else {
      const j = line.indexOf(',', i);
      field = j < 0 ? line.slice(i) : line.slice(i, j);
      i = j < 0 ? line.length : j;
    }
    out.push(field);
    if (i >= line.length) return out;
    i++; // the comma
  }
}

/** token → user; throws on a malformed line (with its number), as upstream refuses to start. */
export function parseTokenCsv(text: string): Map<string, UserInfo> {
  const users = new Map<string, UserInfo>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, n) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    let rec: string[];
    try {
      rec = parseCsvLine(line);
    } catch (e) {
      throw new Error(`token file line ${n + 1}: ${(e as Error).message}`);
    }
    if (rec.length < 3) throw new Error(`token file line ${n + 1}: expected at least 3 columns (token,user,uid), got ${rec.length}`);
    const [token, name, uid, groupsCol] = rec as [string, string, string, string | undefined];
    if (!token) throw new Error(`token file line ${n + 1}: empty token`);
    const groups = (groupsCol ?? '').split(',').map((g) => g.trim()).filter(Boolean);
    users.set(token, { username: name, uid, groups: [...groups, 'system:authenticated'] });
  });
  return users;
}

export function tokenFileAuthenticator(users: Map<string, UserInfo>): TokenAuthenticator {
  return (token) => users.get(token) ?? null;
}

export function loadTokenFile(path: string): TokenAuthenticator {
  return tokenFileAuthenticator(parseTokenCsv(readFileSync(path, 'utf8')));
}
