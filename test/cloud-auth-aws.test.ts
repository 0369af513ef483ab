/**
 * ECR through the real @aws-sdk/client-ecr and its default credential chain, against local stand-ins for the ECR API
 * (AWS_ENDPOINT_URL_ECR), STS (AWS_ENDPOINT_URL_STS, for IRSA) and the EKS Pod Identity agent
 * (AWS_CONTAINER_CREDENTIALS_FULL_URI), with a real docker-registry taking Basic `AWS:<token>` as ECR does.
 * The registry is reached under its loopback name, configured as an ECR host for us-west-2.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startAws, type AwsStandIn } from './cloud-stand-ins/aws.js';
import { scratchDir, startDriver, type Driver } from './cloud-stand-ins/driver-client.js';
import { AMD64, ARM64, pushImage } from './cloud-stand-ins/images.js';
import { sleep } from './registry/http.js';
import { startRegistry, type TestRegistry } from './registry/registry.js';

const PASSWORD = 'ecr-token-password-0123456789abcdefghij';
const ROLE_ARN = 'arn:aws:iam::123456789012:role/archcheck';
const POD_KEYS = { accessKeyId: 'ASIAPODIDENTITY00001', secretAccessKey: 'pod-secret', sessionToken: 'pod-session-token' };
const IRSA_KEYS = { accessKeyId: 'ASIAIRSA000000000001', secretAccessKey: 'irsa-secret', sessionToken: 'irsa-session-token' };

let ecrRegistry: TestRegistry;
let other: TestRegistry;
let aws: AwsStandIn;
let podTokenFile: string;
let webIdentityFile: string;
const dir = scratchDir();
const drivers: Driver[] = [];

beforeAll(async () => {
  [ecrRegistry, other] = await Promise.all([
    startRegistry({ name: 'ecr', auth: 'htpasswd', users: { AWS: PASSWORD } }),
    startRegistry({ name: 'not-ecr', auth: 'token', privateRepos: ['private/'] }),
  ]);
  await Promise.all([
    pushImage(ecrRegistry, 'team/app', '1.0', [AMD64, ARM64]),
    pushImage(ecrRegistry, 'team/tool', '2', [ARM64]),
    pushImage(other, 'private/app', '1.0', [AMD64]),
  ]);
  podTokenFile = join(dir, 'eks-pod-identity-token');
  webIdentityFile = join(dir, 'web-identity-token');
  writeFileSync(podTokenFile, 'pod-identity-agent-token');
  writeFileSync(webIdentityFile, 'irsa-projected-token');
  aws = await startAws({
    password: PASSWORD,
    podKeys: POD_KEYS,
    podIdentityToken: 'pod-identity-agent-token',
    irsaKeys: IRSA_KEYS,
    webIdentityToken: 'irsa-projected-token',
    roleArn: ROLE_ARN,
  });
});

afterAll(async () => {
  await Promise.all([aws?.stop(), ecrRegistry?.stop(), other?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(drivers.splice(0).map((d) => d.close()));
  aws.failWith(undefined);
  aws.setTokenSeconds(12 * 3600);
});

function baseEnv(): Record<string, string> {
  return {
    AWS_REGION: 'us-west-2',
    AWS_ENDPOINT_URL_ECR: aws.ecr.url,
    // Nothing in these tests may fall back to the instance metadata service.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function podIdentityEnv(): Record<string, string> {
  return { ...baseEnv(), AWS_CONTAINER_CREDENTIALS_FULL_URI: aws.podIdentityUri, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: podTokenFile };
}

function driver(env: Record<string, string>, cloudAuth = 'auto'): Driver {
  const d = startDriver(
    {
      cloudAuth,
      cloudOptions: { ecrHosts: { [ecrRegistry.host]: 'us-west-2' }, failureBackoffMs: 0 },
      registryOptions: { insecureRegistries: [ecrRegistry.host, other.host] },
    },
    env,
  );
  drivers.push(d);
  return d;
}

describe('ECR through the AWS default credential chain', { timeout: 60_000 }, () => {
  it('resolves private images with EKS Pod Identity credentials and one GetAuthorizationToken per region', async () => {
    const d = driver(podIdentityEnv());
    expect(await d.providers()).toEqual(['aws ecr']);
    const before = aws.ecrCalls().length;
    const app = await d.resolve(`${ecrRegistry.host}/team/app:1.0`);
    expect(app.error, d.stderr()).toBeNull();
    expect(app.platformStrings).toEqual(['linux/amd64', 'linux/arm64']);
    const tool = await d.resolve(`${ecrRegistry.host}/team/tool:2`);
    expect(tool.error).toBeNull();
    const calls = aws.ecrCalls().slice(before);
    expect(calls).toEqual([
      {
        accessKeyId: POD_KEYS.accessKeyId,
        region: 'us-west-2',
        service: 'ecr',
        sessionToken: POD_KEYS.sessionToken,
        target: 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken',
      },
    ]);
    expect(aws.podIdentity.calls.length).toBeGreaterThan(0);
  });

  it('resolves with IRSA (web identity through STS)', async () => {
    const d = driver({ ...baseEnv(), AWS_ROLE_ARN: ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE: webIdentityFile, AWS_ENDPOINT_URL_STS: aws.sts.url });
    const before = aws.ecrCalls().length;
    const info = await d.resolve(`${ecrRegistry.host}/team/tool:2`);
    expect(info.error, d.stderr()).toBeNull();
    expect(info.platformStrings).toEqual(['linux/arm64']);
    expect(aws.ecrCalls().slice(before).map((c) => c.accessKeyId)).toEqual([IRSA_KEYS.accessKeyId]);
    expect(aws.sts.calls.at(-1)?.form.get('RoleArn')).toBe(ROLE_ARN);
  });

  it('fetches a new ECR token once the cached one nears its expiry', async () => {
    aws.setTokenSeconds(4);
    const d = driver(podIdentityEnv());
    const before = aws.ecrCalls().length;
    expect((await d.resolve(`${ecrRegistry.host}/team/app:1.0`)).error, d.stderr()).toBeNull();
    expect((await d.resolve(`${ecrRegistry.host}/team/tool:2`)).error).toBeNull();
    expect(aws.ecrCalls().length - before).toBe(1);
    await sleep(2_200);
    const again = await d.credential(ecrRegistry.host, 'team/app');
    expect(again).toEqual({ kind: 'basic', username: 'AWS', password: PASSWORD });
    expect(aws.ecrCalls().length - before).toBe(2);
  });

  it('names the missing permission when GetAuthorizationToken is denied, and falls through', async () => {
    aws.failWith('AccessDeniedException');
    const d = driver(podIdentityEnv());
    const info = await d.resolve(`${ecrRegistry.host}/team/app:1.0`);
    expect(info.error?.code).toBe('UNAUTHORIZED');
    expect(info.error?.message).toContain('tried aws ecr: GetAuthorizationToken in us-west-2 failed');
    expect(info.error?.message).toContain('the role needs ecr:GetAuthorizationToken, and ecr:BatchGetImage and ecr:GetDownloadUrlForLayer');
    expect(info.error?.message).toContain('anonymous: UNAUTHORIZED');
  });

  it('says when there are no AWS credentials at all', async () => {
    const d = driver(baseEnv(), 'aws');
    const info = await d.resolve(`${ecrRegistry.host}/team/app:1.0`);
    expect(info.error?.message).toContain('no AWS credentials found');
    expect(info.error?.message).toContain('IRSA');
  });

  it('never sends the ECR token to a registry that is not ECR', async () => {
    const d = driver(podIdentityEnv());
    const before = aws.ecrCalls().length;
    other.token!.reset();
    const info = await d.resolve(`${other.host}/private/app:1.0`);
    expect(info.error?.code).toBe('UNAUTHORIZED');
    expect(info.error?.message).not.toContain('aws');
    expect(aws.ecrCalls().length).toBe(before);
    expect(other.token!.requests.every((r) => !r.presentedCredentials)).toBe(true);
  });
});
