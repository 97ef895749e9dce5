import { URLExt } from '@jupyterlab/coreutils';
import type { ServerConnection } from '@jupyterlab/services';
import { WEBSOCKET_ROUTE } from '../../protocol';

/**
 * The relay's websocket URL. Browsers cannot set headers on a websocket, so
 * the token travels in the query string, as JupyterLab's kernel websockets do.
 */
export function sidecarWebSocketUrl(settings: ServerConnection.ISettings): string {
  const url = URLExt.join(settings.wsUrl, WEBSOCKET_ROUTE);
  const token = settings.token;
  return settings.appendToken && token !== '' ? `${url}?token=${encodeURIComponent(token)}` : url;
}
