// Stops a loopback HTTP server now: open keep-alive connections are cut, so a test that stops its
// IdP sees it unreachable at once instead of after the idle timeout.
import type { Server } from 'node:http';

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => { server.close(() => { resolve(); }); });
}
