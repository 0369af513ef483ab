// What the side-by-side table says each tool concluded is read from its output: checked on output as the tool prints it.
import { describe, expect, it } from 'vitest';
import { summarizeKubearchinspect } from './tool-summaries.js';

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
