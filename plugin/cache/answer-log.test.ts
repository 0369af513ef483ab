import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testScratch } from '../../test/scratch.js';
import { AnswerLog, type CachedAnswer } from './answer-log.js';

const { tempDir, closeAfter } = testScratch('archcheck-answers-');
/** A log closed after the test (it keeps its file open while it writes). */
const logAt = (dir: string): AnswerLog => closeAfter(new AnswerLog(dir));

function answer(key: string, storedAt: number, arch = 'arm64'): CachedAnswer {
  return { key, storedAt, info: { reference: key, canonical: key, platforms: [{ os: 'linux', architecture: arch }], platformStrings: [`linux/${arch}`], multiArch: false, error: null } };
}
const keepAll = (): boolean => true;

describe('AnswerLog', () => {
  it('keeps every answer of a run in one file, and the newest answer per key wins in the next run', async () => {
    const dir = tempDir();
    const log = logAt(dir);
    await Promise.all([log.add(answer('a:1', 1)), log.add(answer('b:1', 1)), log.add(answer('a:1', 5, 'amd64'))]);
    await logAt(dir).add(answer('a:1', 3));
    expect(readdirSync(dir)).toHaveLength(2);
    const loaded = await logAt(dir).load(keepAll);
    expect([...loaded.keys()].sort()).toEqual(['a:1', 'b:1']);
    expect(loaded.get('a:1')?.info.platformStrings).toEqual(['linux/amd64']);
  });

  it('skips a line cut short (a run still writing) and keeps the lines before it', async () => {
    const dir = tempDir();
    await logAt(dir).add(answer('a:1', 1));
    const [file] = readdirSync(dir);
    appendFileSync(join(dir, file!), '{"key":"b:1","storedAt":2,"info":{"plat');
    const loaded = await logAt(dir).load(keepAll);
    expect([...loaded.keys()]).toEqual(['a:1']);
  });

  it('merges the logs of many runs into one, dropping what is no longer wanted', async () => {
    const dir = tempDir();
    for (let run = 0; run < 10; run++) await logAt(dir).add(answer(`img:${run}`, run));
    const loaded = await logAt(dir).load((a) => a.storedAt >= 5);
    expect(loaded.size).toBe(10);
    expect(readdirSync(dir)).toHaveLength(1);
    expect([...(await logAt(dir).load(keepAll)).keys()].sort()).toEqual(['img:5', 'img:6', 'img:7', 'img:8', 'img:9']);
  });

  it('drops the one-file-per-answer layout of earlier versions', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, `${'c'.repeat(64)}.json`), JSON.stringify(answer('old:1', 1)));
    expect((await logAt(dir).load(keepAll)).size).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('close() waits for answers still being added: all of them are in the next run', async () => {
    const dir = tempDir();
    const log = logAt(dir);
    for (let i = 0; i < 20; i++) void log.add(answer(`img:${i}`, i));
    await log.close();
    expect((await logAt(dir).load(keepAll)).size).toBe(20);
  });

  it('never throws when the directory cannot be written', async () => {
    const notADirectory = join(tempDir(), 'file');
    writeFileSync(notADirectory, 'x');
    const log = logAt(join(notADirectory, 'refs'));
    await expect(log.add(answer('a:1', 1))).resolves.toBeUndefined();
    await expect(log.load(keepAll)).resolves.toEqual(new Map());
  });
});
