/**
 * How a long-lived command (`rpr serve`) ends: on SIGINT, SIGTERM or SIGHUP, or when the process
 * that started it goes away. `npx rpr serve` runs us under two wrappers (npm exec → sh -c →
 * node), and killing the PID the shell printed for a backgrounded npx kills only the wrapper:
 * without this the real server would go on listening. Stdin is never read, so a closed or empty
 * stdin (nohup, systemd, a container) changes nothing.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export type StopReason = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'parent-exited';

/** The parent pid and command line of a process (Linux /proc), or null elsewhere / when gone. */
function procInfo(pid: number): { ppid: number; argv: string[] } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return Number.isInteger(ppid) ? { ppid, argv } : null;
  } catch {
    return null;
  }
}

/** A process that only runs another one for the user: a shell's `-c`, npm exec / npx. */
export function isWrapper(argv: string[]): boolean {
  if (argv.length === 0) return false;
  // npm sets its process title to "npm exec rpr serve …", which replaces its command line
  if (/^(npm|npx) (exec|x)\b/.test(argv.join(' '))) return true;
  const exe = basename(argv[0]);
  if (/^(sh|dash|bash|zsh)$/.test(exe) && argv.includes('-c')) return true;
  if (exe === 'npm' || exe === 'npx') return true;
  return /^node(js)?$/.test(exe) && argv.slice(1, 2).some((a) => /(^|[\\/])(npm|npx)(-cli\.js)?$/.test(a));
}

/**
 * The processes whose end ends us: our parent and, while it is a wrapper, its parent in turn
 * (npm exec → sh -c → us: both). Nothing when we were started by init, a service manager or a
 * container runtime (parent pid 0 or 1).
 */
export function watchedAncestors(ppid = process.ppid, info = procInfo): number[] {
  const out: number[] = [];
  let pid = ppid;
  for (let depth = 0; depth < 4 && pid > 1; depth++) {
    out.push(pid);
    const p = info(pid);
    if (!p || !isWrapper(p.argv)) break;
    pid = p.ppid;
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Resolves with the reason to stop: the first of SIGINT / SIGTERM / SIGHUP, or the parent (or a
 * wrapper above it) going away, checked every `pollMs`. `onRepeat` runs on a second signal
 * (the caller may then give up on a clean close).
 */
export function untilStopped(opts: { pollMs?: number; onRepeat?: (signal: NodeJS.Signals) => void } = {}): { stopped: Promise<StopReason>; dispose(): void } {
  const startPpid = process.ppid;
  const ancestors = watchedAncestors(startPpid);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  let settled = false;
  let resolve!: (r: StopReason) => void;
  const stopped = new Promise<StopReason>((ok) => (resolve = ok));
  const onSignal = (signal: NodeJS.Signals) => {
    if (settled) return opts.onRepeat?.(signal);
    settled = true;
    resolve(signal as StopReason);
  };
  for (const s of signals) process.on(s, onSignal);
  const timer = setInterval(() => {
    if (settled) return;
    // re-parented (our parent died) or a watched wrapper above it is gone
    if ((startPpid > 1 && process.ppid !== startPpid) || ancestors.some((pid) => !alive(pid))) {
      settled = true;
      resolve('parent-exited');
    }
  }, opts.pollMs ?? 500);
  timer.unref();
  return {
    stopped,
    dispose: () => {
      clearInterval(timer);
      for (const s of signals) process.removeListener(s, onSignal);
    },
  };
}
