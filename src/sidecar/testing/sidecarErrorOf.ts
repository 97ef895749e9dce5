import { SidecarError } from '../errors';

/** Runs `action` and returns the SidecarError it throws; fails the test if it throws nothing or another error. */
export function sidecarErrorOf(action: () => unknown): SidecarError {
  try {
    action();
  } catch (err) {
    if (err instanceof SidecarError) {
      return err;
    }
    throw err;
  }
  throw new Error('expected a SidecarError');
}
