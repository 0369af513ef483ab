import type { Command } from 'commander';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';
import { renderTable } from '../output/table.js';
import { UsageError } from '../usage-error.js';
import { addRegistryFlags, registryClientFromFlags, type RegistryFlags } from '../registry-flags.js';

export interface ImageCommandOptions extends RegistryFlags {
  output: string;
}

/** Resolves references concurrently; the client bounds concurrency per registry and de-duplicates. */
export async function inspectImages(resolver: ImageResolver, references: string[]): Promise<ImageInfo[]> {
  return Promise.all(references.map((r) => resolver.resolve(r)));
}

export function renderImages(images: ImageInfo[], output: string): string {
  if (output === 'json') return JSON.stringify({ images }, null, 2) + '\n';
  const rows = images.map((i) => [
    i.reference,
    i.error ? 'ERROR' : i.multiArch ? 'multi-arch' : 'single-arch',
    i.error ? `${i.error.code}: ${i.error.message}` : i.platformStrings.join(', '),
    ...(output === 'wide' ? [i.digest ?? '', (i.findings ?? []).join('; ')] : []),
  ]);
  const headers = ['IMAGE', 'KIND', 'PLATFORMS', ...(output === 'wide' ? ['DIGEST', 'FINDINGS'] : [])];
  const findings = output === 'wide' ? [] : images.flatMap((i) => (i.findings ?? []).map((f) => `${i.reference}: ${f}\n`));
  return renderTable(headers, rows) + (findings.length > 0 ? `\nFindings:\n${findings.map((f) => `  ${f}`).join('')}` : '');
}

export function registerImageCommand(program: Command, io: { stdout: (s: string) => void; setExitCode: (n: number) => void }): void {
  const cmd = program
    .command('image')
    .description('show the platforms each image reference can run on')
    .argument('<ref...>', 'image references, e.g. nginx:1.27 myacr.azurecr.io/app@sha256:…')
    .option('-o, --output <format>', 'table|wide|json', 'table');
  addRegistryFlags(cmd).action(async (refs: string[], opts: ImageCommandOptions) => {
    if (!['table', 'wide', 'json'].includes(opts.output)) throw new UsageError(`-o ${opts.output}: use table, wide or json`);
    const client = await registryClientFromFlags(opts);
    try {
      const images = await inspectImages(client, refs);
      io.stdout(renderImages(images, opts.output));
      io.setExitCode(images.some((i) => i.error) ? 1 : 0);
    } finally {
      await client.close();
    }
  });
}
