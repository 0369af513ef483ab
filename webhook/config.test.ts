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
    { name: 'bad file value', yaml: 'onUnresolved: retry\n', error: /^invalid onUnresolved in .*config\.yaml "retry" \(onUnresolved\): expected one of allow, deny$/ },
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
