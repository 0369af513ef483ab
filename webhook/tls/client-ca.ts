import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { FilePoller } from './file-poller.js';

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The CA bundle that client certificates must chain to (`--client-ca-file`): PEM certificates only, each one
 * parsed, so a wrong file (a key, a kubeconfig, an empty Secret key) stops start-up instead of refusing every
 * API server call at TLS with nothing in the log.
 */
export async function readClientCa(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error(`${file} holds no PEM certificate (expected the CA that signed the API server's client certificate)`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new Error(`${file}: a certificate does not parse: ${(e as Error).message}`);
    }
  }
  return blocks.join('\n');
}

/**
 * Re-reads the client CA bundle and hands a changed one to `apply`, so a CA rotated in its Secret or ConfigMap (new
 * CA appended before the old one is dropped) is trusted without a restart.
 */
export class ClientCaWatcher extends FilePoller<string> {
  constructor(file: string, current: string, apply: (caPem: string) => void, logger: Logger, intervalMs = 10_000) {
    super(
      {
        load: () => readClientCa(file),
        fingerprint: (pem) => pem,
        apply,
        logFields: { clientCAFile: file },
        reloaded: 'client CA bundle reloaded',
        notLoadable: 'client CA bundle not loadable; keeping the current one',
      },
      current,
      logger,
      intervalMs,
    );
  }
}
