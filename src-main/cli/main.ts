/**
 * `rpr`: the headless face of RPR Curator. Every command is a client of the contract: it parses
 * its options, calls the services through `services.call` (validated as IPC and loopback calls are)
 * and prints.
 */
import { importCommand, datasetsCommand } from './commands/import';
import { importModelCommand } from './commands/import-model';
import { curateCommand, retrainCommand } from './commands/curate';
import { reproduceCommand } from './commands/reproduce';
import { mergeCommand, scoreCommand } from './commands/score';
import { serveCommand } from './commands/serve';
import { renameCommand, rmCommand } from './commands/manage';
import { evalCommand, trainCommand } from './commands/train';
import { errorSentence, exitCodeFor } from '../services/errors';
import { UsageError, type CliIo, type Command } from './shared';

const commands: Command[] = [serveCommand, importCommand, datasetsCommand, importModelCommand, trainCommand, evalCommand, scoreCommand, mergeCommand, curateCommand, retrainCommand, reproduceCommand];
// delete and rename (issue 12)
commands.push(rmCommand, renameCommand);

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'usage: rpr <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'rpr <command> --help shows the options of a command.',
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : 1;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`rpr: unknown command "${name}"\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${cmd.usage}\n\n${cmd.summary}`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      // bad options: the problem, then the usage (once)
      io.err(`rpr ${name}: ${err.message}${err.message.includes('usage: ') ? '' : `\nusage: ${cmd.usage}`}`);
      return 2;
    }
    // the caller's mistakes exit 1 (2 for an invalid request), faults of the app 70 (EX_SOFTWARE)
    const code = exitCodeFor(err);
    io.err(`rpr ${name}: ${code === 70 ? 'internal error (a fault of rpr, not of your input): ' : ''}${errorSentence(err)}`);
    if (process.env.RPR_DEBUG) io.err((err as Error).stack ?? '');
    return code;
  }
}

function processIo(): CliIo {
  const tty = process.stderr.isTTY;
  let lastProgress = 0;
  return {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write((tty ? '\r\x1b[K' : '') + l + '\n'),
    progress: (l) => {
      if (tty) return void process.stderr.write('\r\x1b[K' + l);
      const now = Date.now();
      if (now - lastProgress < 2000) return;
      lastProgress = now;
      process.stderr.write(l + '\n');
    },
  };
}

const isMain = process.argv[1] !== undefined && /(cli\.js|cli[\\/]main\.ts|rpr(\.mjs)?)$/.test(process.argv[1]);
if (isMain || process.env.RPR_CLI_MAIN === '1') {
  runCli(process.argv.slice(2), processIo()).then(
    (code) => {
      if (process.stderr.isTTY) process.stderr.write('\n');
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(String(err) + '\n');
      process.exitCode = 1;
    },
  );
}
