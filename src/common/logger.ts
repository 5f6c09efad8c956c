/**
 * Namespaced logger. Everything it writes goes to the sink cli/ injects (stderr), so stdout stays for results.
 * `--verbose` turns on debug lines and step timings (where the cold path spends its time).
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const ORDER: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export interface LogSettings {
  level: LogLevel;
  format: 'text' | 'json';
  sink: (line: string) => void;
}

const settings: LogSettings = {
  level: 'info',
  format: 'text',
  // Only cli/ prints: it injects the stderr sink (cli/main.ts). Library use logs nowhere.
  sink: () => {},
};

export function configureLogging(partial: Partial<LogSettings>): void {
  Object.assign(settings, partial);
}

export function isVerbose(): boolean {
  return settings.level === 'debug';
}

export class Logger {
  constructor(private readonly namespace: string, private readonly containerId?: string) {}

  /** A child logger whose lines carry a short container id. */
  forContainer(id: string): Logger {
    return new Logger(this.namespace, id.slice(0, 12));
  }

  error(msg: string): void { this.log('error', msg); }
  warn(msg: string): void { this.log('warn', msg); }
  info(msg: string): void { this.log('info', msg); }
  debug(msg: string): void { this.log('debug', msg); }

  /** Times an async step; the duration shows at debug level. */
  async time<T>(step: string, fn: () => Promise<T>): Promise<T> {
    const start = performance.now();
    try {
      return await fn();
    } finally {
      // performance.now() counts from process start, so the offset also shows start-up cost.
      this.debug(`${step} took ${(performance.now() - start).toFixed(1)}ms (done at +${performance.now().toFixed(0)}ms)`);
    }
  }

  private log(level: LogLevel, msg: string): void {
    if (ORDER[level] > ORDER[settings.level]) return;
    if (settings.format === 'json') {
      settings.sink(JSON.stringify({ time: new Date().toISOString(), level, ns: this.namespace, container: this.containerId, msg }));
      return;
    }
    const prefix = level === 'debug' ? `gobox:${this.namespace}${this.containerId ? `[${this.containerId}]` : ''} ` : 'gobox: ';
    const tag = level === 'warn' ? 'warning: ' : level === 'error' ? 'error: ' : '';
    settings.sink(prefix + tag + msg);
  }
}

export function logger(namespace: string): Logger {
  return new Logger(namespace);
}
