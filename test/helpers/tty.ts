import { spawn } from 'node:child_process';

/**
 * Runs a command line under a real pseudo-terminal (util-linux `script`) and types into it once
 * a shell prompt shows, as a person would. Resolves with the exit status and everything shown.
 */
export function typeIntoTty(commandLine: string, cwd: string, env: NodeJS.ProcessEnv, typed: string): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', commandLine, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
    const typeWhenReady = setInterval(() => {
      if (screen.includes('$ ')) {
        clearInterval(typeWhenReady);
        child.stdin.write(typed);
      }
    }, 100);
    child.on('close', (code) => {
      clearInterval(typeWhenReady);
      resolve({ code, screen });
    });
  });
}

/** Runs a command line under a real pseudo-terminal and resolves with its exit status and screen. */
export function runInTty(commandLine: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', commandLine, '/dev/null'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
    child.on('close', (code) => resolve({ code, screen }));
  });
}
