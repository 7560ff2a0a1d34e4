import { AppTokenCache, type AppToken } from '../../../nodes/lib/microsoft/appTokens';
import type { MicrosoftApp } from '../../../nodes/lib/microsoft/microsoftApp';

const SCOPE = 'https://outlook.office365.com/.default';

const app = (overrides: Partial<MicrosoftApp> = {}): MicrosoftApp => ({
	tenant: 'contoso.example',
	clientId: 'client-1',
	clientSecret: 'secret-1',
	cloud: 'global',
	...overrides,
});

/** A token service on a fake clock: each fetch issues token-N living `lifetimeMs`; `release` controls when it answers. */
function fakeService(lifetimeMs: number) {
	let now = 1_000_000;
	let issued = 0;
	const waiting: (() => void)[] = [];
	let manual = false;
	const fetch = jest.fn(async (): Promise<AppToken> => {
		if (manual) await new Promise<void>((resolve) => waiting.push(resolve));
		issued += 1;
		return { accessToken: `token-${issued}`, expiresAt: now + lifetimeMs, roles: [] };
	});
	return {
		cache: new AppTokenCache(fetch, () => now),
		fetch,
		advance: (ms: number) => {
			now += ms;
		},
		holdAnswers: () => {
			manual = true;
		},
		releaseAll: () => {
			manual = false;
			for (const resolve of waiting.splice(0)) resolve();
		},
	};
}

describe('AppTokenCache', () => {
	it('keeps an hour token until 5 minutes remain, then renews it', async () => {
		const service = fakeService(60 * 60_000);
		const first = await service.cache.get(app(), SCOPE);
		service.advance(55 * 60_000 - 1);
		expect(await service.cache.get(app(), SCOPE)).toBe(first);
		service.advance(1);
		expect((await service.cache.get(app(), SCOPE)).accessToken).toBe('token-2');
		expect(service.fetch).toHaveBeenCalledTimes(2);
	});

	it('renews a short token when a quarter of its lifetime remains, not MSAL’s fixed 5 minutes', async () => {
		const service = fakeService(4000);
		const first = await service.cache.get(app(), SCOPE);
		service.advance(2999);
		expect(await service.cache.get(app(), SCOPE)).toBe(first);
		service.advance(1);
		expect((await service.cache.get(app(), SCOPE)).accessToken).toBe('token-2');
	});

	it('lets concurrent callers share one request (single flight)', async () => {
		const service = fakeService(60_000);
		service.holdAnswers();
		const callers = Array.from({ length: 5 }, () => service.cache.get(app(), SCOPE));
		const renewing = service.cache.get(app(), SCOPE, { renew: true });
		service.releaseAll();
		const tokens = await Promise.all([...callers, renewing]);
		expect(new Set(tokens.map((token) => token.accessToken))).toEqual(new Set(['token-1']));
		expect(service.fetch).toHaveBeenCalledTimes(1);
	});

	it('renews a refused token once for all requests it was refused for, also after the renewal came back', async () => {
		const service = fakeService(60_000);
		const refused = (await service.cache.get(app(), SCOPE)).accessToken;
		service.holdAnswers();
		const together = Array.from({ length: 3 }, () => service.cache.get(app(), SCOPE, { refused }));
		service.releaseAll();
		const renewed = await Promise.all(together);
		const later = await service.cache.get(app(), SCOPE, { refused });
		expect(new Set([...renewed, later].map((token) => token.accessToken))).toEqual(
			new Set(['token-2']),
		);
		expect(service.fetch).toHaveBeenCalledTimes(2);
		// The renewed token refused in turn is renewed again.
		expect((await service.cache.get(app(), SCOPE, { refused: 'token-2' })).accessToken).toBe(
			'token-3',
		);
	});

	it('skips the cache on renew', async () => {
		const service = fakeService(60_000);
		await service.cache.get(app(), SCOPE);
		expect((await service.cache.get(app(), SCOPE, { renew: true })).accessToken).toBe('token-2');
		expect((await service.cache.get(app(), SCOPE)).accessToken).toBe('token-2');
	});

	it('keeps tokens apart per scope and per credential, and does not cache a failure', async () => {
		const service = fakeService(60_000);
		await service.cache.get(app(), SCOPE);
		await service.cache.get(app(), 'https://graph.microsoft.com/.default');
		await service.cache.get(app({ clientSecret: 'secret-2' }), SCOPE);
		expect(service.fetch).toHaveBeenCalledTimes(3);

		service.fetch.mockRejectedValueOnce(new Error('refused'));
		await expect(service.cache.get(app({ clientId: 'client-2' }), SCOPE)).rejects.toThrow(
			'refused',
		);
		expect((await service.cache.get(app({ clientId: 'client-2' }), SCOPE)).accessToken).toBe(
			'token-4',
		);
	});
});
