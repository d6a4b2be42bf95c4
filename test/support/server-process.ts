/**
 * A Tessera server started as its own process by a command (the built bin, `npm start`), found
 * through its JSON log, for tests of what signals do to the process that was started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface StartedServer {
  child: ChildProcess;
  url: string;
  /** The server's own process id, from its log: under `npm start` not the child's. */
  serverPid: number;
  /** Resolves with the exit code (null when a signal ended it). */
  exited: Promise<number | null>;
}

export function startServerCommand(command: string, args: string[], env: Record<string, string>): Promise<StartedServer> {
  const child = spawn(command, args, {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ORT_INTRA_OP_THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    let url: string | undefined;
    let serverPid = 0;
    // A preloaded model may report ready before the server reports its address.
    let modelReady = false;
    // npm prints its own lines around the server's JSON log.
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; url?: string; pid?: number };
      if (entry.msg === 'Tessera is serving GraphiQL') {
        url = entry.url!.replace(/\/graphql$/, '');
        serverPid = entry.pid!;
      }
      if (entry.msg?.endsWith(': ready')) modelReady = true;
      if (url && modelReady) resolve({ child, url, serverPid, exited });
    });
    void exited.then((code) => reject(new Error(`${command} ${args.join(' ')} exited early with ${code}`)));
  });
}

/** Resolves once /health/ready answers 200: every preloaded model is loaded, not just the first. */
export async function untilReady(server: StartedServer, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await fetch(`${server.url}/health/ready`).then((r) => r.status, () => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${server.url} not ready after ${timeoutMs} ms (last status ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
