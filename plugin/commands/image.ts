import type { Command } from 'commander';
import type { ImageInfo } from '../../core/image-info.js';
import type { ImageResolver } from '../../core/resolver.js';
import { renderStructured } from '../output/structured.js';
import { renderTable } from '../output/table.js';
import { closeSoon } from '../image-resolver.js';
import { UsageError } from '../usage-error.js';
import { addRegistryFlags, registryClientFromFlags, type RegistryFlags } from '../registry-flags.js';

export interface ImageCommandOptions extends RegistryFlags {
  output: string;
  /** Commander's --no-headers sets `headers: false`. */
  headers?: boolean;
}

const IMAGE_FORMATS = ['table', 'wide', 'json', 'yaml'];

/** Resolves references concurrently; the client bounds concurrency per registry and de-duplicates. */
export async function inspectImages(resolver: ImageResolver, references: string[]): Promise<ImageInfo[]> {
  return Promise.all(references.map((r) => resolver.resolve(r)));
}

export function renderImages(images: ImageInfo[], output: string, noHeaders = false): string {
  if (output === 'json' || output === 'yaml') return renderStructured({ images }, output);
  const rows = images.map((i) => [
    i.reference,
    i.error ? 'ERROR' : i.multiArch ? 'multi-arch' : 'single-arch',
    i.error ? `${i.error.code}: ${i.error.message}` : i.platformStrings.join(', '),
    ...(output === 'wide' ? [i.digest ?? '', (i.findings ?? []).join('; ')] : []),
  ]);
  const headers = ['IMAGE', 'KIND', 'PLATFORMS', ...(output === 'wide' ? ['DIGEST', 'FINDINGS'] : [])];
  const findings = output === 'wide' ? [] : images.flatMap((i) => (i.findings ?? []).map((f) => `${i.reference}: ${f}\n`));
  if (noHeaders) return renderTable(headers, rows, true);
  return renderTable(headers, rows) + (findings.length > 0 ? `\nFindings:\n${findings.map((f) => `  ${f}`).join('')}` : '');
}

export function registerImageCommand(program: Command, io: { stdout: (s: string) => void; setExitCode: (n: number) => void }): void {
  const cmd = program
    .command('image')
    .description('show the platforms each image reference can run on')
    .argument('<ref...>', 'image references, e.g. nginx:1.27 myacr.azurecr.io/app@sha256:…')
    .option('-o, --output <format>', IMAGE_FORMATS.join('|'), 'table')
    .option('--no-headers', 'table and wide: print the rows only');
  addRegistryFlags(cmd)
    // Economy: an index's labels are trusted unless asked (one GET per index, as docker manifest inspect).
    .option('--verify-platforms', "fetch every index child's manifest and config and check its label (2 requests per child)");
  cmd.action(async (refs: string[], opts: ImageCommandOptions) => {
    if (!IMAGE_FORMATS.includes(opts.output)) throw new UsageError(`-o ${opts.output}: use ${IMAGE_FORMATS.join(', ')}`);
    // The shared registry flags verify by default (audits); for image only an explicit --verify-platforms does.
    const verify = cmd.getOptionValueSource('verifyPlatforms') === 'cli' && opts.verifyPlatforms;
    const client = await registryClientFromFlags({ ...opts, verifyPlatforms: verify });
    try {
      const images = await inspectImages(client, refs);
      io.stdout(renderImages(images, opts.output, opts.headers === false));
      io.setExitCode(images.some((i) => i.error) ? 1 : 0);
    } finally {
      await closeSoon(client);
    }
  });
}
