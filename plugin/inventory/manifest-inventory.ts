import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Inventory, KubeObject } from './inventory.js';

/** One file (or stdin) of manifests. */
export interface ManifestSource {
  /** Path, or `<stdin>`. */
  name: string;
  text: string;
}

/** Invalid or unreadable input: one line naming the file and line. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'ReplicationController', 'Pod']);

async function filesIn(dir: string, recursive: boolean): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, e.name);
    if (e.isDirectory() && recursive) out.push(...(await filesIn(path, true)));
    else if (e.isFile() && MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(path);
  }
  return out;
}

/**
 * Reads `-f` arguments as kubectl does: files, directories (their .yaml/.yml/.json files; subdirectories with
 * `-R`), and `-` for stdin.
 */
export async function readManifestSources(paths: readonly string[], recursive: boolean, readStdin?: () => Promise<string>): Promise<ManifestSource[]> {
  const sources: ManifestSource[] = [];
  for (const path of paths) {
    if (path === '-') {
      if (!readStdin) throw new ManifestError('-f -: stdin is not available');
      sources.push({ name: '<stdin>', text: await readStdin() });
      continue;
    }
    const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
      throw new ManifestError(`-f ${path}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
    });
    const files = info.isDirectory() ? await filesIn(path, recursive) : [path];
    for (const file of files) sources.push({ name: file, text: await readFile(file, 'utf8') });
  }
  return sources;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What makes a document a Kubernetes object: string apiVersion and kind. */
function notAnObject(value: unknown): string | undefined {
  if (!isObject(value)) return `expected a Kubernetes object, found ${Array.isArray(value) ? 'a list' : `a ${typeof value}`}`;
  const missing = ['apiVersion', 'kind'].filter((k) => typeof value[k] !== 'string' || value[k] === '');
  return missing.length > 0 ? `not a Kubernetes object: no ${missing.join(' and no ')}` : undefined;
}

/** Flattens `List` kinds (`kind: List`, `DeploymentList`, …) into their items; anything that is no object is an error. */
function flatten(value: unknown, where: string): KubeObject[] {
  const problem = notAnObject(value);
  if (problem) throw new ManifestError(`${where}: ${problem} (kubectl would reject this file too)`);
  const obj = value as Record<string, unknown>;
  if ((obj.kind as string).endsWith('List') && Array.isArray(obj.items)) {
    const itemKind = obj.kind === 'List' ? undefined : (obj.kind as string).slice(0, -4);
    return obj.items.flatMap((item: unknown, i) => {
      const typed = isObject(item) && itemKind && !item.kind ? { apiVersion: obj.apiVersion, ...item, kind: itemKind } : item;
      return flatten(typed, `${where}: items[${i}]`);
    });
  }
  return [obj as KubeObject];
}

/**
 * Parses multi-document YAML or JSON (helm template output included: comments and empty documents are skipped).
 * A document that is not a Kubernetes object (no apiVersion/kind: a values file, a kustomization) is an error naming
 * the file and line, never silently "no workloads".
 */
export function parseManifestSource(source: ManifestSource): KubeObject[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(source.text, { lineCounter });
  const all = Array.isArray(docs) ? docs : [docs];
  // Syntax first, in any document: a broken file is reported as broken YAML, not as a document without a kind.
  for (const doc of all) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      throw new ManifestError(`${source.name}${line ? `:${line}` : ''}: invalid YAML: ${message}`);
    }
  }
  const objects: KubeObject[] = [];
  for (const doc of all) {
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const start = doc.contents?.range[0] ?? 0;
    objects.push(...flatten(value, `${source.name}:${lineCounter.linePos(start).line}`));
  }
  return objects;
}

/**
 * An inventory from manifests: workload objects and bare Pods, each in its own namespace or `defaultNamespace`.
 * Other kinds (Services, ConfigMaps, CRDs) are ignored. There are no running pods and no nodes offline.
 */
export function manifestInventory(sources: readonly ManifestSource[], defaultNamespace: string): Inventory {
  const objects: KubeObject[] = [];
  for (const source of sources) {
    for (const obj of parseManifestSource(source)) {
      const withNamespace: KubeObject = { ...obj, metadata: { ...obj.metadata, namespace: obj.metadata?.namespace ?? defaultNamespace } };
      if (obj.kind && WORKLOAD_KINDS.has(obj.kind)) objects.push(withNamespace);
    }
  }
  return { objects, pods: [], nodes: undefined, gaps: [] };
}
