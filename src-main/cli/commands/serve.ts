import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLoopbackServer } from '../../transports/loopback';
import { untilStopped, type StopReason } from '../lifecycle';
import { cliServices, int, parse, workspaceOption, type CliIo, type Command, type ParsedArgs } from '../shared';

/** out/renderer, from the bundled CLI (out/main/cli.js) or from source (src-main/cli/commands). */
export function rendererDir(): string | null {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const candidate of [join(here, '../renderer'), join(here, '../../../out/renderer'), resolve('out/renderer')]) {
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return null;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the app on 127.0.0.1 (loopback transport) for a browser or headless use',
  usage: 'rpr serve [--workspace W] [--port P]',
  options: { ...workspaceOption, port: { type: 'string', short: 'p' } },
  async run(argv, io) {
    const args = parse(serveCommand, argv);
    const port = int(args, 'port', 0, 0, 65535);
    // output to a terminal or pipe that went away with the parent must not crash the clean close
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
    // ends on SIGINT / SIGTERM / SIGHUP, or when the process that started it (npx, a shell) goes away
    const life = untilStopped({
      onRepeat: (signal) => {
        io.err(`rpr serve: ${signal} again: stopping without waiting for the jobs`);
        process.exit(1);
      },
    });
    try {
      return await serveUntilStopped(args, port, life.stopped, io);
    } finally {
      life.dispose();
    }
  },
};

async function serveUntilStopped(args: ParsedArgs, port: number, stopped: Promise<StopReason>, io: CliIo): Promise<number> {
  const services = await cliServices(args);
  const staticDir = rendererDir();
  if (!staticDir) io.err('rpr serve: the renderer is not built (run `npm run build`): only the API is served');
  // the transport is wired as the desktop app wires IPC: the services' dispatcher and event bus
  const server = await startLoopbackServer({ dispatch: services.dispatch, events: services.app.events, staticDir, port });
  // first line on stdout: the URL with its token
  io.out(server.url);
  // start the engine while a browser connects: its start-up (about a second of CPU) then never
  // competes with the first view; a failure shows when the UI asks system.info itself
  void services.call('system.info', {}).catch(() => undefined);
  io.err(`workspace ${(await services.call('workspace.current', {}))?.path ?? '(none)'}; press Ctrl+C to stop`);
  const reason = await stopped;
  io.err(`rpr serve: ${reason === 'parent-exited' ? 'the process that started it has exited' : `got ${reason}`}: closing (running jobs are stopped and kept as on a normal shutdown)`);
  // never linger: a close that hangs ends the process anyway
  setTimeout(() => {
    io.err('rpr serve: the clean close took over 20 s: exiting');
    process.exit(1);
  }, 20_000).unref();
  await server.close();
  await services.close();
  // handles left open by a dependency must not keep a stopped server alive
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  return 0;
}
