import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    stateDir: string;
    goNew: string;
    goOld: string;
    testUsers: { name: string; uid: number; gid: number }[];
  }
}

/** Values the global setup prepared once for every integration test file. */
export const shared = {
  get stateDir() {
    return inject('stateDir');
  },
  /** e.g. "1.26.8" (the machine's /usr/local/go) */
  get goNew() {
    return inject('goNew');
  },
  /** e.g. "1.19.8" (Debian's golang-1.19-go) */
  get goOld() {
    return inject('goOld');
  },
  get users() {
    return inject('testUsers');
  },
};
