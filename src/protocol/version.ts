/**
 * Protocol version spoken between browser, kernel and sidecar.
 *
 * MAJOR changes break compatibility (the sidecar refuses the connection);
 * MINOR changes only add optional fields or methods.
 */
export const PROTOCOL_VERSION = { major: 1, minor: 4 } as const;

/** Path of the authenticated Jupyter websocket route, relative to the server's base URL. */
export const WEBSOCKET_ROUTE = 'tunelab/ws';
