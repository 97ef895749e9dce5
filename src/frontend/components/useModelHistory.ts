import { useEffect, useState } from 'react';
import type { ModelVersionRecord } from '../../protocol';
import { ModelHistory } from '../sidebar/modelHistory';
import { ISidecarConnection } from '../tokens';

/** The model versions of `sessionId`, kept current while the calling component is mounted. */
export function useModelHistory(connection: ISidecarConnection, sessionId: string): readonly ModelVersionRecord[] {
  const [versions, setVersions] = useState<readonly ModelVersionRecord[]>([]);
  useEffect(() => {
    const history = new ModelHistory(connection, sessionId);
    setVersions(history.versions);
    history.changed.connect((_, next) => setVersions(next));
    return () => history.dispose();
  }, [connection, sessionId]);
  return versions;
}
