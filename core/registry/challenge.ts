/** One challenge from a WWW-Authenticate header: `Bearer realm="…",service="…",scope="…"`. */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

/**
 * Parses a WWW-Authenticate value that may hold several challenges (RFC 7235), with quoted and unquoted parameters
 * and commas inside quotes. Scheme names are lower-cased; parameter names too.
 */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const skip = (): void => {
    while (i < header.length && /[\s,]/.test(header[i]!)) i++;
  };
  const token = (): string | undefined => {
    TOKEN.lastIndex = i;
    const m = TOKEN.exec(header);
    if (!m) return undefined;
    i = TOKEN.lastIndex;
    return m[0];
  };
  const quoted = (): string => {
    let out = '';
    i++; // opening quote
    while (i < header.length && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < header.length) i++;
      out += header[i];
      i++;
    }
    i++; // closing quote
    return out;
  };
  let current: Challenge | undefined;
  while (i < header.length) {
    skip();
    const name = token();
    if (name === undefined) {
      i++;
      continue;
    }
    while (header[i] === ' ') i++;
    if (header[i] === '=') {
      i++;
      while (header[i] === ' ') i++;
      const value = header[i] === '"' ? quoted() : (token() ?? '');
      // A parameter before any scheme is malformed and dropped.
      if (current) current.params[name.toLowerCase()] = value;
    } else {
      current = { scheme: name.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}
