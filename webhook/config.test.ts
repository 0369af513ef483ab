import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, configKeys, defaultConfig, HelpDisplayed, loadConfig } from './config.js';

const SELF = ['--cert-mode', 'self'];

function configFile(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'archcheck-config-')), 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config defaults', () => {
  it('match the issue', () => {
    expect(defaultConfig).toMatchObject({
      listen: { host: '0.0.0.0', port: 8443 },
      mode: 'mutate',
      singleArch: 'allow',
      onUnresolved: 'allow',
      resolveTimeout: 3_000,
      allowedArchs: [],
      podOptOut: true,
      certMode: 'file',
    });
  });
});

describe('precedence: flags > env > file > defaults', () => {
  const file = configFile('mode: audit\nsingleArch: warn\nonUnresolved: deny\nresolveTimeout: 2s\n');
  const env = { ARCHCHECK_CONFIG: file, ARCHCHECK_SINGLE_ARCH: 'deny', ARCHCHECK_ON_UNRESOLVED: 'allow' };
  it('combines the sources', () => {
    const c = loadConfig([...SELF, '--on-unresolved', 'deny'], env);
    expect(c.mode).toBe('audit'); // file
    expect(c.singleArch).toBe('deny'); // env beats file
    expect(c.onUnresolved).toBe('deny'); // flag beats env
    expect(c.resolveTimeout).toBe(2_000); // file
    expect(c.listen.port).toBe(8443); // default
  });
  it('--config beats ARCHCHECK_CONFIG', () => {
    const other = configFile('mode: warn\n');
    expect(loadConfig([...SELF, '--config', other], env).mode).toBe('warn');
  });
});

describe('repeatable keys', () => {
  it('flags repeat; comma lists split where items cannot contain commas', () => {
    const c = loadConfig([
      ...SELF,
      '--arch-taint', 'arm64=kubernetes.io/arch=arm64:NoSchedule',
      '--arch-taint', 'arm64=node-role.vos/arm_controller=true:NoSchedule',
      '--allowed-archs', 'amd64,arm64',
      '--image-override', 'busybox=amd64,arm64',
      '--prefer', 'arm64=80',
      '--insecure-registry', 'localhost:5000',
    ], {});
    expect(c.archTaints.map((t) => t.taint.key)).toEqual(['kubernetes.io/arch', 'node-role.vos/arm_controller']);
    expect(c.allowedArchs).toEqual(['amd64', 'arm64']);
    expect(c.imageOverrides).toEqual([{ pattern: 'busybox', archs: ['amd64', 'arm64'] }]);
    expect(c.prefer).toEqual([{ arch: 'arm64', weight: 80 }]);
    expect(c.insecureRegistries).toEqual(['localhost:5000']);
  });
  it('env: comma-separated, override archs stay with their pattern', () => {
    const c = loadConfig(SELF, {
      ARCHCHECK_ARCH_TAINT: 'arm64=kubernetes.io/arch=arm64:NoSchedule,arm64=dedicated:NoExecute',
      ARCHCHECK_IMAGE_OVERRIDE: 'busybox=amd64,arm64,registry.example.com/data/*=any',
      ARCHCHECK_EXCLUDE_NAMESPACE: 'batch, legacy',
      ARCHCHECK_ALLOWED_ARCHS: 'amd64',
    });
    expect(c.archTaints).toHaveLength(2);
    expect(c.imageOverrides).toEqual([{ pattern: 'busybox', archs: ['amd64', 'arm64'] }, { pattern: 'registry.example.com/data/*', archs: 'any' }]);
    expect(c.excludedNamespaces).toEqual(['batch', 'legacy']);
  });
  it('file: lists, comma strings and maps', () => {
    const file = configFile(
      ['archTaints:', '  - arm64=kubernetes.io/arch=arm64:NoSchedule', 'prefer:', '  arm64: 80', 'imageOverrides:', '  busybox: [amd64, arm64]', '  "registry.example.com/data/*": any', 'allowedArchs: amd64,arm64', 'excludedNamespaces: []', 'podOptOut: false'].join('\n'),
    );
    const c = loadConfig([...SELF, '--config', file], {});
    expect(c.archTaints).toHaveLength(1);
    expect(c.prefer).toEqual([{ arch: 'arm64', weight: 80 }]);
    expect(c.imageOverrides).toEqual([{ pattern: 'busybox', archs: ['amd64', 'arm64'] }, { pattern: 'registry.example.com/data/*', archs: 'any' }]);
    expect(c.allowedArchs).toEqual(['amd64', 'arm64']);
    expect(c.podOptOut).toBe(false);
  });
});

describe('bad values: one clear line each', () => {
  const cases: { name: string; argv?: string[]; env?: Record<string, string>; yaml?: string; error: RegExp }[] = [
    { name: 'bad mode flag', argv: ['--mode', 'enforce'], error: /^invalid --mode "enforce" \(mode\): expected one of mutate, warn, audit, off$/ },
    { name: 'bad env', env: { ARCHCHECK_SINGLE_ARCH: 'maybe' }, error: /^invalid ARCHCHECK_SINGLE_ARCH "maybe" \(singleArch\): expected one of allow, warn, deny$/ },
    { name: 'bad file value', yaml: 'onUnresolved: retry\n', error: /^invalid onUnresolved in .*config\.yaml "retry" \(onUnresolved\): expected one of allow, deny, gate$/ },
    { name: 'unknown file key', yaml: 'modee: warn\n', error: /^unknown key "modee" in .*config\.yaml: known keys are listen, certMode/ },
    { name: 'file not a mapping', yaml: '- a\n- b\n', error: /must be a YAML mapping/ },
    { name: 'unknown flag', argv: ['--moode', 'warn'], error: /^unknown option '--moode'/ },
    { name: 'bad taint', argv: ['--arch-taint', 'arm64:NoSchedule'], error: /^invalid --arch-taint "arm64:NoSchedule" \(archTaints\): .*ARCH=KEY\[=VALUE\]:EFFECT/ },
    { name: 'bad effect', env: { ARCHCHECK_ARCH_TAINT: 'arm64=k=v:Never' }, error: /effect "Never" must be one of NoSchedule, PreferNoSchedule, NoExecute/ },
    { name: 'bad weight', argv: ['--prefer', 'arm64=500'], error: /weight must be 1–100/ },
    { name: 'prefer outside allowed', argv: ['--allowed-archs', 'amd64', '--prefer', 'arm64=10'], error: /arm64 is not in --allowed-archs amd64/ },
    { name: 'bad override', argv: ['--image-override', 'busybox'], error: /PATTERN=ARCHS or PATTERN=any/ },
    { name: 'bad duration', argv: ['--resolve-timeout', 'soon'], error: /expected a duration such as 500ms, 3s or 1m/ },
    { name: 'timeout too long for the apiserver', argv: ['--resolve-timeout', '40s'], error: /between 100ms and 29s/ },
    { name: 'bad listen', argv: ['--listen', '8443'], error: /expected HOST:PORT/ },
    { name: 'bad boolean', env: { ARCHCHECK_POD_OPT_OUT: 'sometimes' }, error: /expected true or false/ },
    { name: 'bad namespace', argv: ['--exclude-namespace', 'Kube_System'], error: /DNS label/ },
    { name: 'missing config file', argv: ['--config', '/nonexistent/archcheck.yaml'], error: /^cannot read config file \/nonexistent\/archcheck.yaml/ },
  ];
  it.each(cases)('$name', (c) => {
    const env = { ...c.env, ...(c.yaml !== undefined && { ARCHCHECK_CONFIG: configFile(c.yaml) }) };
    const message = errorOf(() => loadConfig([...SELF, ...(c.argv ?? [])], env));
    expect(message).toMatch(c.error);
    expect(message).not.toContain('\n');
  });

  it('file mode without files says what to do', () => {
    expect(errorOf(() => loadConfig([], {}))).toMatch(/--cert-mode file needs --tls-cert-file and --tls-private-key-file \(or use --cert-mode self/);
  });

  it('ignores unrelated ARCHCHECK_ variables (Service links)', () => {
    expect(() => loadConfig(SELF, { ARCHCHECK_WEBHOOK_SERVICE_HOST: '10.0.0.1', ARCHCHECK_WEBHOOK_PORT: 'tcp://10.0.0.1:443' })).not.toThrow();
  });

  it('--help is not an error', () => {
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      expect(() => loadConfig(['--help'], {})).toThrow(HelpDisplayed);
    } finally {
      process.stdout.write = write;
    }
  });
});

describe('registry and cloud identity keys', () => {
  it('defaults: no mirrors, no cloud identities, platform labels trusted, azure identity auto', () => {
    expect(defaultConfig).toMatchObject({ registryMirrors: [], mirrorOnly: [], registryHostsDir: '', registryCAs: [], verifyPlatforms: false, cloudAuth: [], acrHosts: [], ecrHosts: [], garHosts: [], azureIdentity: 'auto' });
  });
  it('flags, env and file', () => {
    const c = loadConfig([
      ...SELF,
      '--registry-mirror', 'docker.io=myacr.azurecr.io/docker-hub',
      '--registry-mirror', 'ghcr.io=mirror.local:5000',
      '--mirror-only', 'docker.io',
      '--registry-ca', 'registry.internal:5000=/etc/ca.crt',
      '--verify-platforms', 'true',
      '--cloud-auth', 'azure,aws',
      '--ecr-host', 'ecr.example.com=us-east-1',
      '--azure-identity', 'workload',
    ], { ARCHCHECK_ACR_HOST: 'acr.example.com,acr2.example.com', ARCHCHECK_REGISTRY_HOSTS_DIR: '/etc/containerd/certs.d' });
    expect(c.registryMirrors).toEqual(['docker.io=myacr.azurecr.io/docker-hub', 'ghcr.io=mirror.local:5000']);
    expect(c.mirrorOnly).toEqual(['docker.io']);
    expect(c.registryCAs).toEqual(['registry.internal:5000=/etc/ca.crt']);
    expect(c.verifyPlatforms).toBe(true);
    expect(c.cloudAuth).toEqual(['azure', 'aws']);
    expect(c.ecrHosts).toEqual(['ecr.example.com=us-east-1']);
    expect(c.acrHosts).toEqual(['acr.example.com', 'acr2.example.com']);
    expect(c.registryHostsDir).toBe('/etc/containerd/certs.d');
    expect(c.azureIdentity).toBe('workload');
    const file = configFile('cloudAuth: [azure]\necrHosts:\n  ecr.example.com: eu-west-1\n');
    expect(loadConfig([...SELF, '--config', file], {})).toMatchObject({ cloudAuth: ['azure'], ecrHosts: ['ecr.example.com=eu-west-1'] });
  });
  it('refuses bad values with one line', () => {
    expect(errorOf(() => loadConfig([...SELF, '--registry-mirror', 'docker.io'], {}))).toMatch(/invalid --registry-mirror "docker.io" \(registryMirrors\): use SOURCE=MIRROR/);
    expect(errorOf(() => loadConfig([...SELF, '--ecr-host', 'ecr.example.com=mars'], {}))).toMatch(/\(ecrHosts\): expected HOST=REGION/);
    expect(errorOf(() => loadConfig([...SELF, '--cloud-auth', 'azure,oracle'], {}))).toMatch(/\(cloudAuth\): expected one of auto, none, azure, aws, gcp/);
    expect(errorOf(() => loadConfig([...SELF, '--cloud-auth', 'auto,azure'], {}))).toMatch(/auto and none stand alone/);
    expect(errorOf(() => loadConfig([...SELF, '--registry-ca', 'registry.internal'], {}))).toMatch(/\(registryCAs\): expected HOST\[:PORT\]=VALUE/);
    expect(errorOf(() => loadConfig([...SELF, '--azure-identity', 'cli'], {}))).toMatch(/expected one of auto, workload/);
  });
});

describe('per-image work caps', () => {
  it('default to the registry client\'s caps and are read from flags, env and file', () => {
    expect(defaultConfig).toMatchObject({ maxIndexEntries: 64, maxIndexDepth: 3, maxChildFetches: 128 });
    const file = configFile('maxIndexDepth: 2\n');
    expect(loadConfig([...SELF, '--max-index-entries', '256', '--config', file], { ARCHCHECK_MAX_CHILD_FETCHES: '512' })).toMatchObject({ maxIndexEntries: 256, maxIndexDepth: 2, maxChildFetches: 512 });
  });
  it('refuse what is not a whole number in range, saying the range', () => {
    expect(errorOf(() => loadConfig([...SELF, '--max-index-entries', '0'], {}))).toMatch(/invalid --max-index-entries "0" \(maxIndexEntries\): expected a whole number from 1 to 4096/);
    expect(errorOf(() => loadConfig([...SELF, '--max-index-depth', '2.5'], {}))).toMatch(/\(maxIndexDepth\): expected a whole number from 1 to 8/);
    expect(errorOf(() => loadConfig(SELF, { ARCHCHECK_MAX_CHILD_FETCHES: 'lots' }))).toMatch(/ARCHCHECK_MAX_CHILD_FETCHES "lots" \(maxChildFetches\)/);
  });
});

describe('documentation', () => {
  const doc = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'config.md'), 'utf8');
  it.each(configKeys())('config.md documents $key ($flag, $env)', (k) => {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${k.key}\``));
    expect(row, `a table row for ${k.key}`).toBeDefined();
    expect(row).toContain(`\`${k.flag}\``);
    expect(row).toContain(`\`${k.env}\``);
    if (k.default) expect(row).toContain(`\`${k.default}\``);
  });
});
