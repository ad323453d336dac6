import { loadConfig } from '@fig/config';
import { liveViewConfigSchema } from './config';

describe('the live view’s configuration', () => {
  it('defaults to the architecture’s ports, a 1 s interval and a one-minute window', () => {
    expect(loadConfig(liveViewConfigSchema, {})).toMatchObject({
      PORT: 8085,
      OPS_PORT: 9085,
      INTERVAL_MS: 1000,
      RATE_WINDOW_MS: 60000,
      KUBE_NAMESPACE: 'fig',
    });
  });

  it('refuses bad values, naming each variable', () => {
    let message = '';
    try {
      loadConfig(liveViewConfigSchema, {
        GATEWAY_OPS_URL: 'gateway:9080',
        STAGE: 'three',
        INTERVAL_MS: '10',
        KUBE_NAMESPACE: 'Fig!',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ['GATEWAY_OPS_URL', 'STAGE', 'INTERVAL_MS', 'KUBE_NAMESPACE'])
      expect(message).toMatch(new RegExp(`${name}: `));
  });
});
