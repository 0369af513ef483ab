import { describe, expect, it } from 'vitest';
import { normalizeArgv, suggestCommand, type CommandLineSpec } from './argv.js';

const spec: CommandLineSpec = {
  commands: ['audit', 'nodes', 'image', 'manifests', 'help'],
  flags: new Map([
    ['-n', { takesValue: true }],
    ['--namespace', { takesValue: true }],
    ['-o', { takesValue: true }],
    ['--output', { takesValue: true }],
    ['-A', { takesValue: false }],
    ['--all-namespaces', { takesValue: false }],
    ['--context', { takesValue: true }],
    ['-f', { takesValue: true }],
    ['--no-cache', { takesValue: false }],
    ['--verify-platforms', { takesValue: false }],
    ['--no-verify-platforms', { takesValue: false }],
  ]),
  programName: 'kubectl archcheck',
};

describe('normalizeArgv: pflag syntax for commander', () => {
  it.each([
    { argv: ['-n=prod'], want: ['-n', 'prod'] },
    { argv: ['-nprod'], want: ['-nprod'] },
    { argv: ['-n', 'prod'], want: ['-n', 'prod'] },
    { argv: ['--namespace=prod'], want: ['--namespace=prod'] },
    { argv: ['-o=json'], want: ['-o', 'json'] },
    { argv: ['-n=a=b'], want: ['-n', 'a=b'] },
    { argv: ['--all-namespaces=true'], want: ['--all-namespaces'] },
    { argv: ['--all-namespaces=false'], want: [] },
    { argv: ['-A=true'], want: ['-A'] },
    { argv: ['-A=false'], want: [] },
    { argv: ['--no-cache=true'], want: ['--no-cache'] },
    { argv: ['--verify-platforms=false'], want: ['--no-verify-platforms'] },
    { argv: ['--no-verify-platforms=false'], want: ['--verify-platforms'] },
    { argv: ['--context', 'x', 'nodes'], want: ['nodes', '--context', 'x'] },
    { argv: ['--context=x', 'nodes', '-o', 'json'], want: ['nodes', '--context=x', '-o', 'json'] },
    { argv: ['-n', 'nodes'], want: ['-n', 'nodes'] },
    { argv: ['-An', 'nodes'], want: ['-An', 'nodes'] },
    { argv: ['-f', '-', 'manifests'], want: ['manifests', '-f', '-'] },
    { argv: ['image', 'nginx:1', 'nodes'], want: ['image', 'nginx:1', 'nodes'] },
    { argv: ['-o', 'json', 'image', 'nginx'], want: ['image', '-o', 'json', 'nginx'] },
    { argv: ['audit', '--', '-x'], want: ['audit', '--', '-x'] },
  ])('$argv → $want', ({ argv, want }) => {
    expect(normalizeArgv(argv, spec)).toEqual({ argv: want });
  });

  it.each([
    { argv: ['audti'], error: 'unknown command "audti" for "kubectl archcheck"; did you mean "audit"?' },
    { argv: ['--context', 'x', 'node'], error: 'unknown command "node" for "kubectl archcheck"; did you mean "nodes"?' },
    { argv: ['nginx:1.27'], error: 'unknown command "nginx:1.27" for "kubectl archcheck"' },
    { argv: ['--unknown', 'x'], error: 'unknown flag: --unknown' },
    { argv: ['--unknown=1'], error: 'unknown flag: --unknown' },
    { argv: ['-Az'], error: "unknown shorthand flag: 'z' in -Az" },
    { argv: ['--all-namespaces=yes'], error: '--all-namespaces=yes: --all-namespaces is true or false, not "yes"' },
  ])('$argv → $error', ({ argv, error }) => {
    expect(normalizeArgv(argv, spec)).toEqual({ error });
  });

  it.each([
    ['audti', 'audit'],
    ['NODES', 'nodes'],
    ['man', 'manifests'],
    ['xyz', undefined],
  ])('suggests %s → %s', (word, want) => {
    expect(suggestCommand(word, spec.commands)).toBe(want);
  });
});
