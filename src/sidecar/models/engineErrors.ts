import { EngineError } from '../engine/errors';
import { SidecarError, badData, internalError, invalidParams } from '../errors';

/** Maps the engine's errors onto protocol errors; `field` names the config field the failure is about. */
export function fromEngineError(err: unknown, field = '/model'): unknown {
  if (!(err instanceof EngineError) && !(err instanceof Error && 'kind' in err)) {
    return err;
  }
  const { kind, message } = err as EngineError;
  const details = (err as EngineError).details ?? {};
  switch (kind) {
    case 'bad_data':
    case 'bad_input':
      return badData(message, details.row);
    case 'unknown_layer':
      return invalidParams('/tailor/cutAtLayer', message);
    case 'shape_mismatch':
      return invalidParams(/output_dim/.test(message) ? '/tailor/outputDim' : '/inputShape', message);
    case 'io':
      return invalidParams('/modelPath', message);
    case 'bad_config':
      return invalidParams(field, message);
    case 'backend_unavailable':
      return invalidParams('/backend', message);
    default:
      return internalError(message);
  }
}

export function isSidecarError(err: unknown): err is SidecarError {
  return err instanceof SidecarError;
}
