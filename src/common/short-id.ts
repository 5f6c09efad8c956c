/**
 * How a sandbox is named to people. A Docker or Podman container id (64 hex digits) by its first
 * 12, as `docker ps` shows it and as its commands accept it. Any other name, such as a
 * Kubernetes pod's, whole: the API knows a pod only by its full name, so a cut one names nothing.
 */
export function shortId(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}
