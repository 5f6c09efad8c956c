import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import type { VolumeInfo } from '../engine.js';

/** A cache claim in the Engine's own terms: no mountpoint on this host, its class and size as options. */
export function volumeOf(pvc: V1PersistentVolumeClaim): VolumeInfo {
  return {
    name: pvc.metadata?.name ?? '',
    labels: pvc.metadata?.labels ?? {},
    mountpoint: '',
    driver: 'persistentvolumeclaim',
    options: {
      phase: pvc.status?.phase ?? 'Pending',
      ...(pvc.spec?.storageClassName ? { storageClass: pvc.spec.storageClassName } : {}),
      ...(pvc.spec?.resources?.requests?.storage ? { size: String(pvc.spec.resources.requests.storage) } : {}),
      ...(quantityBytes(pvc.spec?.resources?.requests?.storage) !== undefined ? { sizeBytes: String(quantityBytes(pvc.spec?.resources?.requests?.storage)) } : {}),
      ...(pvc.spec?.volumeName ? { volume: pvc.spec.volumeName } : {}),
    },
  };
}

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };

/** A Kubernetes storage quantity ("10Gi", "512M", "1000") in bytes; undefined for what is not one. */
export function quantityBytes(q: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(String(q ?? ''));
  return m ? Math.round(Number(m[1]) * SUFFIX[m[2] ?? '']!) : undefined;
}
