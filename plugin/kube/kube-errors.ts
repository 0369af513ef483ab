/** Why a Kubernetes API request failed, in the terms a user acts on. */
export type KubeFailure = 'config' | 'unreachable' | 'timeout' | 'unauthorized' | 'forbidden' | 'not-found' | 'bad-response';

/**
 * A failed Kubernetes API call or an unusable kubeconfig. The message is one line a user can act on; `failure`
 * lets callers decide whether a partial audit can go on (forbidden on one namespace) or must stop (unreachable).
 */
export class KubeAccessError extends Error {
  override readonly name = 'KubeAccessError';

  constructor(
    readonly failure: KubeFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export function isKubeAccessError(e: unknown, failure?: KubeFailure): e is KubeAccessError {
  return e instanceof KubeAccessError && (failure === undefined || e.failure === failure);
}

interface StatusBody {
  message?: unknown;
  reason?: unknown;
}

function statusMessage(body: string): string {
  try {
    const status = JSON.parse(body) as StatusBody;
    if (typeof status.message === 'string' && status.message) return status.message;
  } catch {
    // not a Status object
  }
  return body.trim().split('\n')[0]?.slice(0, 200) ?? '';
}

/** The error for an HTTP status from the API server, with the server's own message (which names the user and verb). */
export function kubeStatusError(status: number, body: string, what: string): KubeAccessError {
  const detail = statusMessage(body);
  switch (status) {
    case 401:
      return new KubeAccessError('unauthorized', `the API server rejected the credentials while reading ${what} (HTTP 401): log in again or check the kubeconfig user`, status);
    case 403:
      return new KubeAccessError('forbidden', detail || `forbidden: cannot read ${what}`, status);
    case 404:
      return new KubeAccessError('not-found', detail || `${what} not found`, status);
    default:
      return new KubeAccessError('bad-response', `the API server answered HTTP ${status} while reading ${what}${detail ? `: ${detail}` : ''}`, status);
  }
}
