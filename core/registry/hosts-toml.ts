import { readdir, readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { parse } from 'smol-toml';
import { ArchcheckError, settingError } from '../errors.js';
import type { HostsConfig } from './endpoints.js';

/** TLS settings for one host, gathered from hosts.toml `ca` / `skip_verify` and `registryCAs`. */
export interface HostTls {
  ca?: string;
  skipVerify?: boolean;
}

export interface HostsDir {
  configs: Map<string, HostsConfig>;
  tls: Record<string, HostTls>;
  /** Keys we read but do not act on, and other things a user should know. */
  warnings: string[];
}

const KNOWN_KEYS = new Set(['server', 'capabilities', 'ca', 'skip_verify', 'override_path', 'host']);
const UNSUPPORTED_KEYS = new Set(['client', 'header', 'dial_timeout']);

type Table = Record<string, unknown>;

function capabilities(t: Table, where: string): { canPull: boolean; canResolveTags: boolean } {
  const caps = t.capabilities;
  if (caps === undefined) return { canPull: true, canResolveTags: true };
  if (!Array.isArray(caps) || !caps.every((c) => typeof c === 'string')) {
    throw new ArchcheckError('BAD_RESPONSE', `${where}: capabilities must be a list such as ["pull", "resolve"]`);
  }
  return { canPull: caps.includes('pull'), canResolveTags: caps.includes('resolve') };
}

function checkKeys(t: Table, where: string, warnings: string[]): void {
  for (const key of Object.keys(t)) {
    if (UNSUPPORTED_KEYS.has(key)) warnings.push(`${where}: "${key}" is not supported by archcheck and is ignored`);
    else if (!KNOWN_KEYS.has(key)) warnings.push(`${where}: unknown key "${key}" ignored`);
  }
}

async function readCa(value: unknown, baseDir: string, where: string): Promise<string | undefined> {
  if (value === undefined) return undefined;
  const paths = Array.isArray(value) ? value : [value];
  const pems: string[] = [];
  for (const p of paths) {
    if (typeof p !== 'string') throw new ArchcheckError('BAD_RESPONSE', `${where}: ca must be a path or a list of paths`);
    const file = isAbsolute(p) ? p : join(baseDir, p);
    try {
      pems.push(await readFile(file, 'utf8'));
    } catch (e) {
      throw new ArchcheckError('BAD_RESPONSE', `${where}: cannot read CA file ${file}: ${(e as Error).message}`);
    }
  }
  return pems.join('\n');
}

function toUrl(s: string, where: string): URL {
  try {
    return new URL(/^[a-z]+:\/\//i.test(s) ? s : `https://${s}`);
  } catch {
    throw new ArchcheckError('BAD_RESPONSE', `${where}: "${s}" is not a URL`);
  }
}

async function tlsOf(t: Table, dir: string, where: string, warnings: string[]): Promise<HostTls> {
  const ca = await readCa(t.ca, dir, where);
  const skipVerify = t.skip_verify === true;
  if (skipVerify) warnings.push(`${where}: skip_verify = true disables TLS verification for this host only`);
  return { ...(ca && { ca }), ...(skipVerify && { skipVerify }) };
}

/** Reads one `certs.d/<registry>/hosts.toml`. */
export async function parseHostsToml(text: string, dir: string, registry: string): Promise<{ config: HostsConfig; tls: Record<string, HostTls>; warnings: string[] }> {
  const where = join(dir, 'hosts.toml');
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (e) {
    throw new ArchcheckError('BAD_RESPONSE', `${where}: not valid TOML (${(e as Error).message.split('\n')[0]})`);
  }
  const warnings: string[] = [];
  const tls: Record<string, HostTls> = {};
  checkKeys(doc, where, warnings);
  const config: HostsConfig = { hosts: [] };
  if (typeof doc.server === 'string') {
    const url = toUrl(doc.server, where);
    const caps = capabilities(doc, where);
    config.server = { url, canResolveTags: caps.canResolveTags, overridePath: doc.override_path === true };
    tls[url.host] = await tlsOf(doc, dir, where, warnings);
  } else if (registry !== '_default' && (doc.ca !== undefined || doc.skip_verify !== undefined)) {
    tls[registry] = await tlsOf(doc, dir, where, warnings);
  }
  const hosts = (typeof doc.host === 'object' && doc.host !== null ? doc.host : {}) as Record<string, Table>;
  // TOML tables keep file order, which is containerd's preference order.
  for (const [name, t] of Object.entries(hosts)) {
    const hostWhere = `${where} [host."${name}"]`;
    checkKeys(t, hostWhere, warnings);
    const url = toUrl(name, hostWhere);
    config.hosts.push({ url, ...capabilities(t, hostWhere), overridePath: t.override_path === true });
    tls[url.host] = await tlsOf(t, dir, hostWhere, warnings);
  }
  return { config, tls, warnings };
}

/** Reads containerd's `certs.d` layout: one directory per registry (`docker.io`, `myreg:5000`, `_default`). */
export async function loadHostsDir(dir: string): Promise<HostsDir> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw settingError('registryHostsDir', `${dir}: ${(e as Error).message}`);
  }
  const result: HostsDir = { configs: new Map(), tls: {}, warnings: [] };
  for (const name of names.sort()) {
    const sub = join(dir, name);
    let text: string;
    try {
      text = await readFile(join(sub, 'hosts.toml'), 'utf8');
    } catch {
      result.warnings.push(`${sub}: no hosts.toml, skipped`);
      continue;
    }
    const parsed = await parseHostsToml(text, sub, name);
    result.configs.set(name, parsed.config);
    for (const [host, tls] of Object.entries(parsed.tls)) if (tls.ca || tls.skipVerify) result.tls[host] = tls;
    result.warnings.push(...parsed.warnings);
  }
  return result;
}
