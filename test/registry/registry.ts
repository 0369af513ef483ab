import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { agentFor, harnessFetch, sleep, type HarnessFetchInit, type Response } from './http.js';
import { freePort, ManagedProcess, onProcessExit, removeDirSync } from './process.js';
import { startTokenServer, type TokenServer } from './token-server.js';
import { createTlsMaterial, type TlsMaterial } from './tls.js';
import type { Agent } from 'undici';

export type AuthMode = 'none' | 'htpasswd' | 'token';

export interface Credentials {
  username: string;
  password: string;
}

export interface StartRegistryOptions {
  auth?: AuthMode;
  /** true generates a private CA and a certificate for 127.0.0.1/localhost. */
  tls?: boolean | TlsMaterial;
  /** username → password; default `{ alice: 'wonderland' }`. The first entry is the default user. */
  users?: Record<string, string>;
  /**
   * Token mode only: repositories anonymous callers may not pull. A string matches a
   * repository that starts with it or contains it after a `/` (so `private/` also covers
   * `mirror/private/x`); default `['private/']`. htpasswd protects every repository.
   */
  privateRepos?: Array<string | RegExp>;
  /** A label for logs and temp dir names. */
  name?: string;
  /** Token mode: initial `expires_in` (default 300). */
  tokenExpiresIn?: number;
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** Path to the distribution binary; default $ARCHCHECK_REGISTRY_BIN or docker-registry. */
  binary?: string;
  /** Milliseconds to wait for `GET /v2/` to answer. */
  startTimeoutMs?: number;
}

export interface TestRegistry {
  name: string;
  auth: AuthMode;
  /** `127.0.0.1:PORT`, as used in image references. */
  host: string;
  port: number;
  /** `http(s)://127.0.0.1:PORT` */
  url: string;
  /** Present when serving TLS. */
  tls: TlsMaterial | undefined;
  caCertPem: string | undefined;
  users: Record<string, string>;
  /** The default user (first of `users`); undefined when auth is 'none'. */
  credentials: Credentials | undefined;
  /** The token server, in token mode. */
  token: TokenServer | undefined;
  isPrivate(repository: string): boolean;
  /** An undici dispatcher that trusts the registry's CA (plain agent without TLS). */
  dispatcher: Agent;
  /** fetch against the registry: a path (`/v2/`) or an absolute URL, with the CA trusted. */
  fetch(pathOrUrl: string, init?: HarnessFetchInit): Promise<Response>;
  dataDir: string;
  configPath: string;
  readonly running: boolean;
  logs(): string;
  /** Stops and starts the process on the same port, keeping the stored images. */
  restart(): Promise<void>;
  /** Kills the registry (and token server) and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_USERS: Record<string, string> = { alice: 'wonderland' };
const SERVICE = 'archcheck-test-registry';
const ISSUER = 'archcheck-test-token-issuer';

function registryBinary(explicit?: string): string {
  const candidate = explicit ?? process.env.ARCHCHECK_REGISTRY_BIN;
  if (candidate) return candidate;
  if (existsSync('/usr/bin/docker-registry')) return '/usr/bin/docker-registry';
  return 'docker-registry';
}

function privateMatcher(patterns: Array<string | RegExp>): (repository: string) => boolean {
  return (repository) =>
    patterns.some((p) =>
      typeof p === 'string' ? repository.startsWith(p) || repository.includes(`/${p}`) : p.test(repository),
    );
}

/** bcrypt entries via apache2-utils; distribution 2.8 accepts only bcrypt in htpasswd files. */
function htpasswdFile(users: Record<string, string>): string {
  return Object.entries(users)
    .map(([user, password]) => {
      try {
        return execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' }).trim();
      } catch (err) {
        throw new Error(`htpasswd failed (apt-get install -y apache2-utils): ${String(err)}`);
      }
    })
    .join('\n')
    .concat('\n');
}

interface ConfigInputs {
  dir: string;
  port: number;
  auth: AuthMode;
  tls: TlsMaterial | undefined;
  users: Record<string, string>;
  token: TokenServer | undefined;
  logLevel: string;
}

function writeConfig(inputs: ConfigInputs): string {
  const { dir, port, tls, token } = inputs;
  const config: Record<string, unknown> = {
    version: 0.1,
    log: { level: inputs.logLevel, formatter: 'text', accesslog: { disabled: false } },
    storage: {
      filesystem: { rootdirectory: path.join(dir, 'data') },
      delete: { enabled: true },
      // Upload purging starts a background walker we do not need in short-lived tests.
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: {
      addr: `127.0.0.1:${port}`,
      secret: randomBytes(16).toString('hex'),
      headers: { 'X-Content-Type-Options': ['nosniff'] },
    },
  };
  const httpSection = config.http as Record<string, unknown>;
  if (tls) {
    writeFileSync(path.join(dir, 'server.crt'), tls.certPem);
    writeFileSync(path.join(dir, 'server.key'), tls.keyPem, { mode: 0o600 });
    httpSection.tls = { certificate: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
  }
  if (inputs.auth === 'htpasswd') {
    writeFileSync(path.join(dir, 'htpasswd'), htpasswdFile(inputs.users));
    config.auth = { htpasswd: { realm: 'archcheck-test', path: path.join(dir, 'htpasswd') } };
  } else if (inputs.auth === 'token' && token) {
    writeFileSync(path.join(dir, 'token-signing.crt'), token.signing.certPem);
    config.auth = {
      token: {
        realm: token.realm,
        service: token.service,
        issuer: token.issuer,
        rootcertbundle: path.join(dir, 'token-signing.crt'),
      },
    };
  }
  const configPath = path.join(dir, 'config.yml');
  writeFileSync(configPath, stringify(config));
  return configPath;
}

function childEnv(): NodeJS.ProcessEnv {
  // REGISTRY_* variables override config.yml in distribution; a developer's shell must not leak in.
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('REGISTRY_')));
}

async function waitReady(
  reg: { url: string; dispatcher: Agent },
  proc: ManagedProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (!proc.running) throw new Error(`docker-registry exited before answering:\n${proc.logs()}`);
    try {
      const res = await harnessFetch(`${reg.url}/v2/`, { dispatcher: reg.dispatcher, signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 401) return;
      lastError = `status ${res.status}`;
    } catch (err) {
      lastError = String(err);
    }
    await sleep(50);
  }
  throw new Error(`docker-registry did not answer GET /v2/ within ${timeoutMs} ms (${lastError}):\n${proc.logs()}`);
}

interface Settings {
  auth: AuthMode;
  name: string;
  users: Record<string, string>;
  tls: TlsMaterial | undefined;
  isPrivate: (repository: string) => boolean;
  binary: string;
  timeoutMs: number;
  logLevel: string;
}

async function settingsFrom(opts: StartRegistryOptions): Promise<Settings> {
  const auth = opts.auth ?? 'none';
  return {
    auth,
    name: opts.name ?? `registry-${auth}`,
    users: opts.users ?? DEFAULT_USERS,
    tls: opts.tls === true ? await createTlsMaterial() : opts.tls || undefined,
    isPrivate: privateMatcher(opts.privateRepos ?? ['private/']),
    binary: registryBinary(opts.binary),
    timeoutMs: opts.startTimeoutMs ?? 15_000,
    logLevel: opts.logLevel ?? 'info',
  };
}

/** Owns one docker-registry process (replaced on restart), its temp dir and token server. */
class RegistryRunner {
  readonly dir: string;
  readonly dispatcher: Agent;
  port = 0;
  configPath = '';
  private proc: ManagedProcess | undefined;
  private stopped = false;
  /** Output of processes replaced by restart(), so logs() covers the registry's whole life. */
  private earlierLogs = '';
  private readonly removeExitHook: () => void;

  constructor(
    readonly settings: Settings,
    readonly token: TokenServer | undefined,
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), `archcheck-${settings.name.replace(/[^\w.-]/g, '_')}-`));
    mkdirSync(path.join(this.dir, 'data'));
    this.dispatcher = agentFor(settings.tls?.caCertPem);
    this.removeExitHook = onProcessExit(() => {
      this.proc?.killSync();
      removeDirSync(this.dir);
    });
  }

  get url(): string {
    return `${this.settings.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  logs(): string {
    return this.earlierLogs + (this.proc?.logs() ?? '');
  }

  private async launch(): Promise<void> {
    const proc = new ManagedProcess(this.settings.binary, ['serve', this.configPath], childEnv());
    this.proc = proc;
    proc.start(() => undefined);
    await waitReady({ url: this.url, dispatcher: this.dispatcher }, proc, this.settings.timeoutMs);
  }

  /** First start. The probed free port can be taken before the registry binds it: retry on a new one. */
  async start(): Promise<void> {
    const { auth, tls, users, logLevel } = this.settings;
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      this.configPath = writeConfig({ dir: this.dir, port: this.port, auth, tls, users, token: this.token, logLevel });
      try {
        await this.launch();
        return;
      } catch (err) {
        await this.proc?.stop();
        if (attempt >= 3 || !/address already in use/.test(this.proc?.logs() ?? '')) throw err;
      }
    }
  }

  async restart(): Promise<void> {
    if (this.stopped) throw new Error(`${this.settings.name} was stopped`);
    await this.proc?.stop();
    this.earlierLogs += this.proc?.logs() ?? '';
    await this.launch();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.proc?.stop();
    await this.token?.stop();
    // destroy, not close: close waits for in-flight requests, and a test may have left one hanging.
    await this.dispatcher.destroy();
    // Async: removing a store of many small files can take a second on a slow disk.
    await rm(this.dir, { recursive: true, force: true });
    this.removeExitHook();
  }
}

export async function startRegistry(opts: StartRegistryOptions = {}): Promise<TestRegistry> {
  const settings = await settingsFrom(opts);
  const { auth, users, tls, isPrivate } = settings;
  const token =
    auth === 'token'
      ? await startTokenServer({ service: SERVICE, issuer: ISSUER, users, isPrivate, tls, expiresIn: opts.tokenExpiresIn })
      : undefined;
  const runner = new RegistryRunner(settings, token);
  try {
    await runner.start();
  } catch (err) {
    await runner.stop();
    throw err;
  }

  const { url, dispatcher } = runner;
  const firstUser = Object.entries(users)[0];
  return {
    name: settings.name,
    auth,
    host: `127.0.0.1:${runner.port}`,
    port: runner.port,
    url,
    tls,
    caCertPem: tls?.caCertPem,
    users,
    credentials: auth !== 'none' && firstUser ? { username: firstUser[0], password: firstUser[1] } : undefined,
    token,
    isPrivate,
    dispatcher,
    fetch: (pathOrUrl, init = {}) =>
      harnessFetch(pathOrUrl.startsWith('/') ? `${url}${pathOrUrl}` : pathOrUrl, { dispatcher, ...init }),
    dataDir: path.join(runner.dir, 'data'),
    configPath: runner.configPath,
    get running() {
      return runner.running;
    },
    logs: () => runner.logs(),
    restart: () => runner.restart(),
    stop: () => runner.stop(),
  };
}
