import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdmissionReview } from '../admission/review.js';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

/** A fresh copy of a fixture AdmissionReview (tests may edit it). */
export function loadFixture(name: string): AdmissionReview {
  return JSON.parse(readFileSync(join(DIR, name), 'utf8')) as AdmissionReview;
}
