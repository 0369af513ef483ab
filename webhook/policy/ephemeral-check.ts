import type { ImageArchitectures } from '../../core/placement/index.js';
import { ephemeralArchMessage, unresolvedMessage, warn } from './messages.js';
import type { PolicySettings } from './settings.js';
import type { Verdict } from './verdict.js';

/**
 * docs/placement-rules.md, "Ephemeral containers": a new ephemeral container joins a pod already on a node, so its
 * image must run on that node's arch. Unknown node arch (no API access, pod not yet bound) is a warning, never a denial.
 */
export function checkEphemeralContainers(
  added: readonly ImageArchitectures[],
  node: { name: string | undefined; arch: string | undefined },
  settings: Pick<PolicySettings, 'onUnresolved' | 'podOptOut'>,
): Verdict {
  const unresolved = added.filter((i) => i.source === 'unresolved');
  if (unresolved.length > 0 && settings.onUnresolved === 'deny') {
    return { kind: 'deny', decision: 'denied:unresolved', reason: 'unresolved', archs: [], message: unresolvedMessage(unresolved, settings.podOptOut), warning: warn.unresolved(unresolved) };
  }
  const { name, arch } = node;
  if (name === undefined || arch === undefined) {
    return { kind: 'allow', decision: 'node-unknown', archs: [], warnings: added.map((i) => warn.nodeUnknown(i.container)) };
  }
  const wrong = added.find((i) => i.source !== 'unresolved' && i.archs !== 'any' && !i.archs.includes(arch));
  if (wrong && wrong.archs !== 'any') {
    const message = ephemeralArchMessage(wrong.container, wrong.image, wrong.archs, name, arch);
    return { kind: 'deny', decision: 'denied:ephemeral-arch', reason: 'ephemeral-arch', archs: [], message, warning: `archcheck: ${wrong.image} does not run on ${arch} (node ${name})` };
  }
  if (unresolved.length > 0) return { kind: 'unresolved', decision: 'unresolved', archs: [], warning: warn.unresolved(unresolved) };
  return { kind: 'allow', decision: 'ok', archs: [], warnings: [] };
}
