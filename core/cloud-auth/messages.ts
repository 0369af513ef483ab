/** The first line of an SDK error, without its troubleshooting links: these messages end up in admission warnings. */
export function sdkMessage(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e);
  const line = raw.split('\n').map((l) => l.trim()).find((l) => l.length > 0) ?? raw;
  const cleaned = line.replace(/\s*(?:See the troubleshooting guide|To troubleshoot, visit)[^]*$/i, '').replace(/\s+/g, ' ');
  return cleaned.length > 300 ? `${cleaned.slice(0, 297)}...` : cleaned;
}
