import type { ECRClient } from '@aws-sdk/client-ecr';
import type { CredentialProvider } from '../credential-provider.js';
import type { Credential } from '../credentials.js';
import { ecrHost } from './hosts.js';
import { sdkMessage } from './messages.js';
import { refreshTime, TokenCache } from './token-cache.js';

// ECR tokens live 12 hours; renew 5 minutes before they expire.
const REFRESH_MARGIN_MS = 5 * 60_000;

export interface EcrProviderOptions {
  /** Hosts served by ECR besides `*.dkr.ecr.REGION.amazonaws.com`, each with the region that issues its tokens. */
  extraHosts?: Record<string, string>;
  /** Bound on one GetAuthorizationToken call, credential lookup (STS, EKS Pod Identity agent) included. */
  timeoutMs?: number;
  failureBackoffMs?: number;
}

interface BasicSecret {
  username: string;
  password: string;
}

/** `authorizationToken` is base64 of `AWS:<password>`. */
export function decodeEcrToken(authorizationToken: string): BasicSecret {
  const decoded = Buffer.from(authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0 || colon === decoded.length - 1) throw new Error('ECR returned an authorization token that is not "user:password"');
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** What an SDK failure means for the person who has to fix it. */
function explain(e: unknown): string {
  const name = (e as { name?: string }).name ?? '';
  const message = sdkMessage(e);
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return `no AWS credentials found (${message}); on EKS use IRSA (ServiceAccount annotation eks.amazonaws.com/role-arn) or EKS Pod Identity`;
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException' || /not authorized/i.test(message)) {
    return `${message} (the role needs ecr:GetAuthorizationToken, and ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on the repositories)`;
  }
  return message;
}

/**
 * Amazon ECR through the AWS SDK's default credential chain (environment, IRSA web identity, EKS Pod Identity or ECS
 * container credentials, shared config, and last the EC2 instance metadata service). GetAuthorizationToken gives a
 * 12-hour Basic credential valid for every registry the principal can read in that region, so it is cached per region.
 */
export class EcrCredentialProvider implements CredentialProvider {
  readonly name = 'aws ecr';
  private readonly cache: TokenCache<BasicSecret>;
  private readonly clients = new Map<string, Promise<ECRClient>>();
  private readonly timeoutMs: number;

  constructor(private readonly options: EcrProviderOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.cache = new TokenCache(options.failureBackoffMs ?? 10_000);
  }

  appliesTo(registry: string): boolean {
    return ecrHost(registry, this.options.extraHosts) !== undefined;
  }

  async credentialFor(registry: string, _repository: string, signal?: AbortSignal): Promise<Credential> {
    const host = ecrHost(registry, this.options.extraHosts);
    if (!host) throw new Error(`${registry} is not an Amazon ECR registry`);
    const secret = await this.cache.get(host.region, () => this.fetch(host.region), signal);
    return { kind: 'basic', username: secret.username, password: secret.password };
  }

  async close(): Promise<void> {
    const clients = await Promise.allSettled(this.clients.values());
    for (const c of clients) if (c.status === 'fulfilled') c.value.destroy();
  }

  private client(region: string): Promise<ECRClient> {
    let client = this.clients.get(region);
    if (!client) {
      // Loaded on first use: clusters that never look up an ECR image never load the AWS SDK.
      client = import('@aws-sdk/client-ecr').then(
        ({ ECRClient }) =>
          new ECRClient({
            region,
            maxAttempts: 2,
            requestHandler: { connectionTimeout: this.timeoutMs, requestTimeout: this.timeoutMs },
          }),
      );
      this.clients.set(region, client);
    }
    return client;
  }

  private async fetch(region: string): Promise<{ value: BasicSecret; refreshAt: number }> {
    const { GetAuthorizationTokenCommand } = await import('@aws-sdk/client-ecr');
    const client = await this.client(region);
    let data;
    try {
      const out = await client.send(new GetAuthorizationTokenCommand({}), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
      data = out.authorizationData?.[0];
    } catch (e) {
      throw new Error(`GetAuthorizationToken in ${region} failed: ${explain(e)}`, { cause: e });
    }
    if (!data?.authorizationToken) throw new Error(`GetAuthorizationToken in ${region} returned no token`);
    const now = Date.now();
    const expiresAt = data.expiresAt?.getTime() ?? now + 60 * 60_000;
    return { value: decodeEcrToken(data.authorizationToken), refreshAt: refreshTime(now, expiresAt, REFRESH_MARGIN_MS) };
  }
}
