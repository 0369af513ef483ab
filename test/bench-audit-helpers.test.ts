// The side-by-side audit benchmark's readers of other tools' output (bench/audit): what they count is what the
// BENCHMARKS.md table says, so they are checked on output as the tools print it.
import { describe, expect, it } from 'vitest';
import { parseTimeOutput } from '../bench/audit/measured-run.js';
import { summarizeKubearchinspect } from '../bench/audit/tool-summaries.js';

// kubearchinspect v0.8.0 `images` (cmd/images.go): the legend, then one line per image.
const KUBEARCHINSPECT = [
  'Legend:',
  '-------',
  '✅ - arm64 node compatible',
  '🆙 - arm64 node compatible (after update)',
  '❌ - not arm64 node compatible',
  '🚫 - error occurred',
  '------------------------------------------------------------------------------------------------',
  '',
  '✅ 127.0.0.1:5000/bench/app-0:1.0.0 ',
  '✅ 127.0.0.1:5000/bench/app-1:1.0.1 ',
  '❌ 127.0.0.1:5000/bench/app-18:1.0.18 ',
  '🆙 127.0.0.1:5000/bench/app-19:1.0.19 ',
  "🚫 127.0.0.1:5000/bench/gone:1  Image not found. One or more pods are using an image that no longer exists.",
  '',
].join('\n');

describe('summarizeKubearchinspect', () => {
  it('counts images per verdict and not the legend', () => {
    expect(summarizeKubearchinspect(KUBEARCHINSPECT)).toBe('5 images (2 arm64 ok, 1 arm64 after update, 1 no arm64, 1 error)');
  });
});

describe('parseTimeOutput', () => {
  it.each([
    { text: '1.50 0.25 204800\n', want: { cpuSeconds: 1.75, peakRssMiB: 200 } },
    { text: 'Command exited with non-zero status 1\n0.01 0.00 1024\n', want: { cpuSeconds: 0.01, peakRssMiB: 1 } },
    { text: '', want: undefined },
    { text: 'Command terminated by signal 9\n', want: undefined },
  ])('reads $text', ({ text, want }) => {
    expect(parseTimeOutput(text)).toEqual(want);
  });
});
