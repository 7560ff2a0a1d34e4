import { InProcessHostLimiter } from '../../../nodes/lib/limits/hostLimiter';
import { SessionPairPool } from '../../../nodes/lib/migration/mailbox/sessionPairs';
import {
	ServerBusyError,
	TargetNotReadyError,
	type MailSource,
	type MailTarget,
} from '../../../nodes/lib/migration/mailStore';
import { MailboxSetupError } from '../../../nodes/lib/migration/migrateMailbox';

/** A session that only counts how often it was closed: the pool never asks more of it. */
function session<T extends MailSource | MailTarget>(): T & { closes: number } {
	const fake = { closes: 0, close: async () => void fake.closes++ };
	return fake as unknown as T & { closes: number };
}

const controls = (limiter: InProcessHostLimiter) => ({
	limiter,
	sourceHost: 'source:imap.old',
	targetHost: 'target:imap.new',
});

describe('SessionPairPool', () => {
	let limiter: InProcessHostLimiter;
	beforeEach(() => {
		limiter = new InProcessHostLimiter({ defaultLimits: { name: 'test', maxConnections: 2 } });
	});
	afterEach(async () => await limiter.close());

	it('holds a connection slot on each host while a pair is open and closes every pair once', async () => {
		const sources: Array<MailSource & { closes: number }> = [];
		const pool = new SessionPairPool(
			{
				openSource: async () => {
					sources.push(session<MailSource>());
					return sources[sources.length - 1];
				},
				openTarget: async () => session<MailTarget>(),
			},
			controls(limiter),
			new AbortController().signal,
		);
		await pool.open();
		await pool.open();
		expect(limiter.stats('source:imap.old').activeConnections).toBe(2);
		expect(limiter.stats('target:imap.new').activeConnections).toBe(2);

		await pool.closeAll();
		await pool.closeAll();
		expect(sources.map((source) => source.closes)).toEqual([1, 1]);
		expect(limiter.stats('source:imap.old').activeConnections).toBe(0);
		expect(limiter.stats('target:imap.new').activeConnections).toBe(0);
	});

	it('names the side that failed, closes the source and gives both slots back', async () => {
		const source = session<MailSource>();
		const pool = new SessionPairPool(
			{
				openSource: async () => source,
				openTarget: async () => {
					throw new Error('authentication failed');
				},
			},
			controls(limiter),
			new AbortController().signal,
		);
		const opening = pool.open();
		await expect(opening).rejects.toBeInstanceOf(MailboxSetupError);
		await expect(opening).rejects.toMatchObject({
			side: 'target',
			message: 'target: authentication failed',
		});
		expect(source.closes).toBe(1);
		expect(limiter.stats('source:imap.old').activeConnections).toBe(0);
		expect(limiter.stats('target:imap.new').activeConnections).toBe(0);
	});

	it('passes a target that is not ready yet through as it is, not as a setup failure, and gives the slots back', async () => {
		const source = session<MailSource>();
		const notReady = new TargetNotReadyError('the mailbox is not ready yet');
		const pool = new SessionPairPool(
			{
				openSource: async () => source,
				openTarget: async () => {
					throw notReady;
				},
			},
			controls(limiter),
			new AbortController().signal,
		);
		await expect(pool.open()).rejects.toBe(notReady);
		expect(source.closes).toBe(1);
		expect(limiter.stats('target:imap.new').activeConnections).toBe(0);
	});

	it('retries a login the server turns away for now, and counts it as a server back-off', async () => {
		let refusals = 1;
		const pool = new SessionPairPool(
			{
				openSource: async () => {
					if (refusals-- > 0) {
						throw new ServerBusyError('[UNAVAILABLE] try later', {
							code: 'UNAVAILABLE',
							hintMs: 20,
						});
					}
					return session<MailSource>();
				},
				openTarget: async () => session<MailTarget>(),
			},
			undefined,
			new AbortController().signal,
		);
		await pool.open();
		expect(pool.busyLogins).toBe(1);
		await pool.closeAll();
	});

	it('asks a pair to give its connections back once a lower profile allows fewer', async () => {
		const pool = new SessionPairPool(
			{
				openSource: async () => session<MailSource>(),
				openTarget: async () => session<MailTarget>(),
			},
			controls(limiter),
			new AbortController().signal,
		);
		const first = await pool.open();
		const second = await pool.open();
		const firstYields = pool.yieldCheck(first);
		const secondYields = pool.yieldCheck(second);
		expect(firstYields() || secondYields()).toBe(false);

		await limiter.setProfile('source:imap.old', { name: 'night', maxConnections: 1 });
		expect([firstYields(), secondYields()].filter(Boolean)).toHaveLength(1);
		await pool.closeAll();
	});
});
