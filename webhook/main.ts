import { runWebhookCli } from './cli.js';

const argv = process.argv.slice(2);
if (argv[0] === 'self-test') {
  // The chart's `helm test` (templates/tests/): a short-lived check, not the server.
  const { runSelfTest } = await import('./self-test/run-self-test.js');
  process.exitCode = await runSelfTest(argv.slice(1), { env: process.env, arch: process.arch, out: (line) => void process.stdout.write(`${line}\n`) });
} else {
  await runWebhookCli({
    argv,
    env: process.env,
    stderr: (line) => void process.stderr.write(line),
    onSignal: (signal, handler) => void process.on(signal, handler),
    exit: (code) => {
      process.exitCode = code;
      process.exit(code);
    },
  });
}
