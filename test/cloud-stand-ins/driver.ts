/**
 * Child-process side of the cloud-auth tests: builds the providers from its own environment (as the webhook and the
 * plugin do from theirs) and a RegistryClient with them, then answers one JSON command per stdin line. A separate
 * process is needed because NODE_EXTRA_CA_CERTS (how the SDKs learn the stand-ins' CA) is read only at start-up,
 * and because the SDKs read process.env.
 *
 * argv[2]: JSON DriverConfig. Commands: {"id":1,"op":"resolve","ref":"…"} | {"id":2,"op":"credential","registry":"…",
 * "repository":"…"} | {"id":3,"op":"exit"}. Answers: {"id":1,"result":…} or {"id":1,"error":"…"}.
 */
import { createInterface } from 'node:readline';
import { closeCloudProviders, createCloudProviders, parseCloudAuthSpec, type CloudAuthOptions } from '../../core/cloud-auth/index.js';
import { RegistryClient } from '../../core/registry/client.js';
import type { RegistryOptions } from '../../core/registry/options.js';
import { defaultCredentialSources } from '../../core/registry/credential-sources.js';

export interface DriverConfig {
  cloudAuth: string;
  cloudOptions?: Omit<CloudAuthOptions, 'probes' | 'transport'>;
  registryOptions?: Partial<Pick<RegistryOptions, 'insecureRegistries' | 'resolveTimeoutMs' | 'requestTimeoutMs'>>;
}

export type DriverCommand =
  | { id: number; op: 'resolve'; ref: string }
  | { id: number; op: 'credential'; registry: string; repository: string }
  | { id: number; op: 'providers' }
  | { id: number; op: 'exit' };

const config = JSON.parse(process.argv[2] ?? '{}') as DriverConfig;
const providers = createCloudProviders(parseCloudAuthSpec(config.cloudAuth), process.env, config.cloudOptions ?? {});
const client = new RegistryClient(config.registryOptions ?? {}, { sources: defaultCredentialSources(providers, []) });

function reply(id: number, body: { result: unknown } | { error: string }): void {
  process.stdout.write(`${JSON.stringify({ id, ...body })}\n`);
}

async function handle(cmd: DriverCommand): Promise<unknown> {
  switch (cmd.op) {
    case 'resolve':
      return client.resolve(cmd.ref);
    case 'credential': {
      const p = providers.find((x) => x.appliesTo(cmd.registry));
      if (!p) throw new Error(`no provider applies to ${cmd.registry}`);
      return p.credentialFor(cmd.registry, cmd.repository);
    }
    case 'providers':
      return providers.map((p) => p.name);
    case 'exit':
      await closeCloudProviders(providers);
      await client.close();
      return null;
  }
}

const lines = createInterface({ input: process.stdin });
// Commands run one at a time, in order, so a test reads as a sequence of steps.
let queue: Promise<void> = Promise.resolve();
lines.on('line', (line) => {
  const cmd = JSON.parse(line) as DriverCommand;
  queue = queue
    .then(async () => {
      try {
        reply(cmd.id, { result: await handle(cmd) });
      } catch (e) {
        reply(cmd.id, { error: (e as Error).message });
      }
      if (cmd.op === 'exit') lines.close();
    })
    .catch(() => undefined);
});
