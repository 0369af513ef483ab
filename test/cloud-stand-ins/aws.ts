import { randomBytes } from 'node:crypto';
import { startStandIn, type Call, type Reply, type StandInServer } from './server.js';

export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface EcrCall {
  /** From the SigV4 Authorization header: who signed, for which region and service. */
  accessKeyId: string | undefined;
  region: string | undefined;
  service: string | undefined;
  sessionToken: string | undefined;
  target: string | undefined;
}

export interface AwsStandIn {
  /** AWS_ENDPOINT_URL_ECR: the ECR API (awsJson1_1). */
  ecr: StandInServer;
  /** AWS_ENDPOINT_URL_STS: AssumeRoleWithWebIdentity for IRSA. */
  sts: StandInServer;
  /** AWS_CONTAINER_CREDENTIALS_FULL_URI: the EKS Pod Identity agent. */
  podIdentityUri: string;
  podIdentity: StandInServer;
  ecrCalls(): EcrCall[];
  /** Answers GetAuthorizationToken with this AWS error (AccessDeniedException), or undefined for a token. */
  failWith(type: string | undefined): void;
  /** Lifetime of later ECR tokens, seconds (real: 12 hours). */
  setTokenSeconds(seconds: number): void;
  stop(): Promise<void>;
}

export interface AwsStandInOptions {
  /** The password ECR tokens carry (`AWS:<password>`), which the test registry accepts. */
  password: string;
  /** Keys the Pod Identity agent hands out for `podIdentityToken`. */
  podKeys: AwsKeys;
  podIdentityToken: string;
  /** Keys STS hands out for `webIdentityToken` assuming `roleArn`. */
  irsaKeys: AwsKeys;
  webIdentityToken: string;
  roleArn: string;
}

function parseSigV4(header: string | undefined): Pick<EcrCall, 'accessKeyId' | 'region' | 'service'> {
  const m = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(header ?? '');
  return { accessKeyId: m?.[1], region: m?.[2], service: m?.[3] };
}

const awsError = (type: string, message: string): Reply => ({
  status: 400,
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type },
  body: JSON.stringify({ __type: type, message }),
});

/**
 * Stands in for the AWS endpoints an EKS pod uses to read ECR: the ECR API's GetAuthorizationToken, STS
 * AssumeRoleWithWebIdentity (IRSA) and the EKS Pod Identity agent. The ECR API accepts only requests signed with one
 * of the keys the two identity endpoints handed out.
 */
export async function startAws(opts: AwsStandInOptions): Promise<AwsStandIn> {
  let failure: string | undefined;
  let tokenSeconds = 12 * 3600;
  const validKeys = new Set([opts.podKeys.accessKeyId, opts.irsaKeys.accessKeyId]);

  const ecr = await startStandIn((call: Call): Reply => {
    const target = call.headers['x-amz-target'] as string | undefined;
    const sig = parseSigV4(call.headers.authorization);
    if (!sig.accessKeyId || !validKeys.has(sig.accessKeyId)) return awsError('UnrecognizedClientException', 'The security token included in the request is invalid.');
    if (target !== 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken') return awsError('UnknownOperationException', String(target));
    if (failure) {
      return awsError(failure, `User: arn:aws:sts::123456789012:assumed-role/archcheck/x is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`);
    }
    return {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.1' },
      body: JSON.stringify({
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${opts.password}`).toString('base64'),
            expiresAt: Date.now() / 1000 + tokenSeconds,
            proxyEndpoint: 'https://123456789012.dkr.ecr.us-west-2.amazonaws.com',
          },
        ],
      }),
    };
  });

  const sts = await startStandIn((call: Call): Reply => {
    const f = call.form;
    if (f.get('Action') !== 'AssumeRoleWithWebIdentity') return { status: 400, body: `unsupported ${f.get('Action') ?? ''}` };
    if (f.get('WebIdentityToken') !== opts.webIdentityToken || f.get('RoleArn') !== opts.roleArn) {
      return {
        status: 400,
        headers: { 'content-type': 'text/xml' },
        body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>token rejected</Message></Error></ErrorResponse>',
      };
    }
    const k = opts.irsaKeys;
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    return {
      status: 200,
      headers: { 'content-type': 'text/xml' },
      body: `<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>${k.accessKeyId}</AccessKeyId><SecretAccessKey>${k.secretAccessKey}</SecretAccessKey><SessionToken>${k.sessionToken ?? ''}</SessionToken><Expiration>${expiration}</Expiration></Credentials><AssumedRoleUser><Arn>${opts.roleArn}/archcheck</Arn><AssumedRoleId>AROA:archcheck</AssumedRoleId></AssumedRoleUser><SubjectFromWebIdentityToken>system:serviceaccount:archcheck:archcheck</SubjectFromWebIdentityToken></AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleWithWebIdentityResponse>`,
    };
  });

  const podIdentity = await startStandIn((call: Call): Reply => {
    if (call.headers.authorization !== opts.podIdentityToken) return { status: 401, body: { message: 'bad token' } };
    const k = opts.podKeys;
    return {
      status: 200,
      body: { AccessKeyId: k.accessKeyId, SecretAccessKey: k.secretAccessKey, Token: k.sessionToken, AccountId: '123456789012', Expiration: new Date(Date.now() + 3600_000).toISOString() },
    };
  });

  return {
    ecr,
    sts,
    podIdentity,
    podIdentityUri: `${podIdentity.url}/v1/credentials`,
    ecrCalls: () =>
      ecr.calls.map((c) => ({
        ...parseSigV4(c.headers.authorization),
        sessionToken: c.headers['x-amz-security-token'] as string | undefined,
        target: c.headers['x-amz-target'] as string | undefined,
      })),
    failWith: (t) => {
      failure = t;
    },
    setTokenSeconds: (s) => {
      tokenSeconds = s;
    },
    stop: async () => {
      await Promise.all([ecr.stop(), sts.stop(), podIdentity.stop()]);
    },
  };
}
