import { runCli } from './cli.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdoutIsTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  readStdin,
  env: process.env,
});
// Exit once stdout is flushed, without waiting for sockets to hung servers that timed out (each has answered
// TIMEOUT already): kubectl returns when its answer is printed, and so does this.
process.stdout.write('', () => process.exit(code));
