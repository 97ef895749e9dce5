import { FakeConnection } from '../testing/fakeConnection';
import { BackendPreferenceSync } from './backendPreference';
import { backendTitle } from '../components/backendTitle';

const settle = () => new Promise(resolve => setTimeout(resolve, 0));

describe('the backend setting reaches the sidecar', () => {
  let connection: FakeConnection;
  beforeEach(() => {
    connection = new FakeConnection();
    connection.handlers.setPreferences = params => params;
  });

  it('is sent once connected, on every change, and again after a reconnection', async () => {
    const sync = new BackendPreferenceSync(connection);
    await settle();
    sync.set('tensorflow');
    sync.set('tensorflow'); // unchanged: not sent again
    await settle();
    connection.drop();
    sync.set('wasm'); // disconnected: sent on reconnection
    await settle();
    connection.reconnect();
    await settle();
    expect(connection.paramsOf('setPreferences').map(p => p.backend)).toEqual(['auto', 'tensorflow', 'wasm']);
  });
});

describe('the backend badge tooltip', () => {
  it('names the backend and, when auto fell back, why', () => {
    expect(backendTitle({ backend: 'tensorflow' })).toBe('TF.js backend of this session: tensorflow');
    expect(
      backendTitle({ backend: 'wasm', backendFallbackReason: 'tensorflow: @tensorflow/tfjs-node is not installed' })
    ).toBe(
      'TF.js backend of this session: wasm\nNot faster because: tensorflow: @tensorflow/tfjs-node is not installed'
    );
  });
});
