// GNU time's line is where the side-by-side table's CPU time and peak RSS come from.
import { describe, expect, it } from 'vitest';
import { parseTimeOutput } from './measured-run.js';

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
