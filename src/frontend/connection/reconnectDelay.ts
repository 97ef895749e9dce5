/** First wait before reconnecting after a drop, in milliseconds. */
export const FIRST_RECONNECT_DELAY_MS = 250;
/** Longest wait between reconnection attempts, in milliseconds. */
export const MAX_RECONNECT_DELAY_MS = 5000;

/** Wait before reconnection attempt `attempt` (0-based): 0.25 s doubling up to 5 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt, 16));
}
