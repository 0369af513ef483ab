import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface DockerConfigAuth {
  auth?: string;
  identitytoken?: string;
}

export interface DockerConfig {
  auths: Record<string, DockerConfigAuth>;
}

export interface DockerConfigOptions {
  /** Store an OAuth2 refresh token as `docker login` does for identity-token registries. */
  identityToken?: string;
  /** Merge into an existing config (several registries in one file). */
  base?: DockerConfig;
}

/**
 * The `~/.docker/config.json` a user would have after `docker login registryHost`.
 * With an identity token, `docker login` keeps the user name, drops the password and
 * stores the refresh token as `identitytoken`.
 */
export function buildDockerConfig(registryHost: string, user: string, pass: string, opts: DockerConfigOptions = {}): DockerConfig {
  const entry: DockerConfigAuth = opts.identityToken
    ? { auth: Buffer.from(`${user}:`).toString('base64'), identitytoken: opts.identityToken }
    : { auth: Buffer.from(`${user}:${pass}`).toString('base64') };
  return { auths: { ...opts.base?.auths, [registryHost]: entry } };
}

/** Writes `config` as `dir/config.json` (the layout `$DOCKER_CONFIG` points at); returns the file path. */
export function writeDockerConfig(dir: string, config: DockerConfig): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'config.json');
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  return file;
}
