import { replicaUrls } from './scrape';

describe('replicaUrls', () => {
  it('turns a headless Service into one ops URL per replica it resolves to', async () => {
    const resolve = (host: string) =>
      Promise.resolve(
        host === 'gateway-ops'
          ? [
              { address: '10.0.0.7', family: 4 },
              { address: 'fd00::8', family: 6 },
            ]
          : [],
      );
    expect(await replicaUrls('http://gateway-ops:9080', resolve)).toEqual([
      'http://10.0.0.7:9080',
      'http://[fd00::8]:9080',
    ]);
  });

  it('fails the scrape when no replica is there, rather than judging on nothing', async () => {
    await expect(replicaUrls('http://gateway-ops:9080', () => Promise.resolve([]))).rejects.toThrow(
      /gateway-ops resolves to no gateway replica/,
    );
  });

  it('resolves a real name', async () => {
    expect(await replicaUrls('http://127.0.0.1:9080')).toEqual(['http://127.0.0.1:9080']);
  });
});
