import type { ImageArchitectures } from '../../core/placement/index.js';
import { ephemeralArchMessage, unresolvedMessage, warn } from './messages.js';
import type { PolicySettings } from './settings.js';

export type EphemeralVerdict =
  | { verdict: 'ok'; decision: 'ok' | 'unresolved' | 'node-unknown'; warnings: string[] }
  | { verdict: 'deny'; decision: 'denied:ephemeral-arch' | 'denied:unresolved'; message: string; warning: string };

/**
 * Rule 9 (`kubectl debug`): a new ephemeral container joins a pod already on a node, so its image must run on that
 * node's arch. Unknown node arch (no API access, pod not yet bound) is a warning, never a denial.
 */
export function checkEphemeralContainers(
  added: readonly ImageArchitectures[],
  node: { name: string | undefined; arch: string | undefined },
  settings: Pick<PolicySettings, 'onUnresolved' | 'podOptOut'>,
): EphemeralVerdict {
  const unresolved = added.filter((i) => i.source === 'unresolved');
  if (unresolved.length > 0 && settings.onUnresolved === 'deny') {
    return { verdict: 'deny', decision: 'denied:unresolved', message: unresolvedMessage(unresolved, settings.podOptOut), warning: warn.unresolved(unresolved) };
  }
  const { name, arch } = node;
  if (name === undefined || arch === undefined) {
    return { verdict: 'ok', decision: 'node-unknown', warnings: added.map((i) => warn.nodeUnknown(i.container)) };
  }
  const wrong = added.find((i) => i.source !== 'unresolved' && i.archs !== 'any' && !i.archs.includes(arch));
  if (wrong && wrong.archs !== 'any') {
    const message = ephemeralArchMessage(wrong.container, wrong.image, wrong.archs, name, arch);
    return { verdict: 'deny', decision: 'denied:ephemeral-arch', message, warning: `archcheck: ${wrong.image} does not run on ${arch} (node ${name})` };
  }
  if (unresolved.length > 0) return { verdict: 'ok', decision: 'unresolved', warnings: [warn.unresolved(unresolved)] };
  return { verdict: 'ok', decision: 'ok', warnings: [] };
}
