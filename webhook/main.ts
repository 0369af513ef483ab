import { runWebhookCli } from './cli.js';

await runWebhookCli({
  argv: process.argv.slice(2),
  env: process.env,
  stderr: (line) => void process.stderr.write(line),
  onSignal: (signal, handler) => void process.on(signal, handler),
  exit: (code) => {
    process.exitCode = code;
    process.exit(code);
  },
});
