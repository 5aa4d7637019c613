import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLoopbackServer } from '../../transports/loopback';
import { cliServices, int, parse, workspaceOption, type Command } from '../shared';

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
    const services = cliServices(args);
    const staticDir = rendererDir();
    if (!staticDir) io.err('rpr serve: the renderer is not built (run `npm run build`): only the API is served');
    const server = await startLoopbackServer({ dispatch: services.dispatch, events: services.app.events, staticDir, port });
    // first line on stdout: the URL with its token
    io.out(server.url);
    io.err(`workspace ${services.app.workspace?.path ?? '(none)'}; press Ctrl+C to stop`);
    await new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    });
    await services.app.close();
    await server.close();
    return 0;
  },
};
