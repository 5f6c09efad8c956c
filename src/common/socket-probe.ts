import net from 'node:net';

/** True when something accepts connections on the Unix socket: a socket file alone may be a dead server's. */
export function socketListening(sock: string): Promise<boolean> {
  return new Promise((resolve) => {
    const conn = net.connect(sock);
    conn.once('connect', () => {
      conn.destroy();
      resolve(true);
    });
    conn.once('error', () => resolve(false));
  });
}
