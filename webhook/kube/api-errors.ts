/** HTTP status of a @kubernetes/client-node ApiException (or undefined for network errors). */
export function apiStatus(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** A short, secret-free description of an API failure for logs and readiness. */
export function apiErrorMessage(e: unknown): string {
  const status = apiStatus(e);
  const body = (e as { body?: unknown } | null)?.body;
  let reason = '';
  if (typeof body === 'string') {
    try {
      reason = (JSON.parse(body) as { message?: string }).message ?? '';
    } catch {
      reason = '';
    }
  }
  const message = reason || (e instanceof Error ? e.message.split('\n')[0] : String(e));
  return status ? `HTTP ${status}: ${message}` : (message ?? 'unknown error');
}
