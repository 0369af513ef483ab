import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
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

/** Flattens `List` kinds (`kind: List`, `DeploymentList`, …) into their items. */
function flatten(value: unknown): KubeObject[] {
  if (!isObject(value)) return [];
  if (typeof value.kind === 'string' && value.kind.endsWith('List') && Array.isArray(value.items)) {
    const itemKind = value.kind === 'List' ? undefined : value.kind.slice(0, -4);
    return value.items.flatMap((item) => flatten(isObject(item) && itemKind && !item.kind ? { ...item, kind: itemKind } : item));
  }
  return [value as KubeObject];
}

/** Parses multi-document YAML or JSON (helm template output included: comments and empty documents are skipped). */
export function parseManifestSource(source: ManifestSource): KubeObject[] {
  const docs = parseAllDocuments(source.text);
  const objects: KubeObject[] = [];
  for (const doc of Array.isArray(docs) ? docs : [docs]) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0]?.line;
      const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      throw new ManifestError(`${source.name}${line ? `:${line}` : ''}: invalid YAML: ${message}`);
    }
    objects.push(...flatten(doc.toJS()));
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
