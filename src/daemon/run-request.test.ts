import { describe, expect, it } from 'vitest';
import { refuseOnCluster } from './run-request.js';

const host = (kind: string) => ({ host: { config: { engine: { kind } } } }) as unknown as Parameters<typeof refuseOnCluster>[0];

describe('refuseOnCluster', () => {
  it('refuses a daemon sandbox on the Kubernetes engine in one line, and nothing on a local engine', () => {
    expect(() => refuseOnCluster(host('kubernetes'), 'run sandboxes')).toThrow(/^the gobox daemon does not run sandboxes on the Kubernetes engine \(host config engine\.kind: kubernetes\): it would copy your project into the pod as root, not as you$/);
    expect(() => refuseOnCluster(host('docker'), 'run sandboxes')).not.toThrow();
  });
});
