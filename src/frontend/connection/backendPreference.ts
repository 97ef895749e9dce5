import type { BackendPreference } from '../../protocol';
import type { ISidecarConnection } from '../tokens';

/**
 * Keeps the sidecar's default backend equal to the JupyterLab setting: sends it once the connection is
 * ready, after every reconnection (a restarted sidecar forgets it) and whenever the setting changes.
 * Sessions created afterwards without their own `backend` use it.
 */
export class BackendPreferenceSync {
  private backend: BackendPreference = 'auto';

  constructor(private readonly connection: ISidecarConnection) {
    connection.reconnected.connect(() => void this.send(), this);
    void connection.ready.then(
      () => this.send(),
      () => undefined
    );
  }

  /** The setting's value; sent at once if the connection is open. */
  set(backend: BackendPreference): void {
    if (backend === this.backend) {
      return;
    }
    this.backend = backend;
    if (this.connection.status === 'open') {
      void this.send();
    }
  }

  private async send(): Promise<void> {
    try {
      await this.connection.request('setPreferences', { backend: this.backend });
    } catch (reason) {
      console.warn('Tunelab: the sidecar did not take the backend setting', reason);
    }
  }
}
