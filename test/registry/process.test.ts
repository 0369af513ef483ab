import { describe, expect, it } from 'vitest';
import { ManagedProcess } from './process.js';

describe('ManagedProcess', () => {
  it("keeps the last 2 MiB of a chatty process's output, ending with its last line", async () => {
    // 3,000 lines of 1,000 characters, then a last marker: more than the bound, written in many chunks.
    const script = "for (let i = 0; i < 3000; i++) process.stdout.write(String(i).padStart(999, '.') + '\\n'); process.stdout.write('last line\\n');";
    const proc = new ManagedProcess(process.execPath, ['-e', script], process.env);
    const exited = new Promise<number | null>((resolve) => proc.start((code) => resolve(code)));
    expect(await exited).toBe(0);
    await proc.stop();
    const logs = proc.logs();
    expect(logs.length).toBe(2 * 1024 * 1024);
    expect(logs).toMatch(/last line\n\n\[harness\] process exited code=0 signal=null\n$/);
    expect(logs).toContain(`${'2999'.padStart(999, '.')}\n`);
    expect(logs).not.toContain(`${'0'.padStart(999, '.')}\n`);
  });
});
