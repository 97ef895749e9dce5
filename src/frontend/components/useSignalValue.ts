import { ISignal } from '@lumino/signaling';
import { useEffect, useState } from 'react';

/** The latest value a signal emitted, starting from `current()`; re-renders on every emission. */
export function useSignalValue<S, T>(signal: ISignal<S, T>, current: () => T): T {
  const [value, setValue] = useState<T>(current);
  useEffect(() => {
    const onEmit = (_: S, next: T): void => setValue(() => next);
    setValue(current);
    signal.connect(onEmit);
    return () => {
      signal.disconnect(onEmit);
    };
    // `current` reads the same source as `signal`, so re-subscribing when the signal changes is enough.
  }, [signal]);
  return value;
}
