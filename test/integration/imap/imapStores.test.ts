import { ImapMailSource } from '../../../nodes/lib/migration/stores/imap/imapMailSource';
import { ImapMailTarget } from '../../../nodes/lib/migration/stores/imap/imapMailTarget';
import type { DovecotServer } from '../../harness/dovecot';
import { testEndpoint } from '../../harness/endpoints';
import { appendMessages, makeMessage, snapshotMailbox } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';

const PASSWORD = 'pw-Secret-1';
let counter = 0;
const uniqueUser = (prefix: string) => `${prefix}${process.pid}x${++counter}`;

const endpointOf = (server: DovecotServer, user: string) => testEndpoint(server, user, PASSWORD);

describe('IMAP stores against real Dovecot', () => {
	const services = new TestServices();
	let source: DovecotServer;
	let target: DovecotServer;

	beforeAll(async () => {
		[source, target] = await Promise.all([
			services.dovecot({ name: 'source' }),
			services.dovecot({ name: 'target' }),
		]);
	}, 120_000);

	afterAll(async () => {
		await services.stopAll();
	});

	it('copies a folder with exact bytes, flags and internal dates', async () => {
		const sourceUser = uniqueUser('src');
		const targetUser = uniqueUser('dst');
		await source.addUser(sourceUser, PASSWORD);
		await target.addUser(targetUser, PASSWORD);
		const date = (day: number) => new Date(Date.UTC(2019, 0, day, 10, 30, 0));
		await appendMessages(source, sourceUser, PASSWORD, 'INBOX', [
			{
				raw: makeMessage({ subject: 'one', date: date(1) }),
				flags: ['\\Seen'],
				internalDate: date(1),
			},
			{
				raw: makeMessage({ subject: 'two', date: date(2) }),
				flags: ['\\Flagged', 'Work'],
				internalDate: date(2),
			},
			{ raw: makeMessage({ subject: 'three', messageId: null }), internalDate: date(3) },
		]);

		const from = await ImapMailSource.open(endpointOf(source, sourceUser));
		const to = await ImapMailTarget.open(endpointOf(target, targetUser));
		try {
			const status = await from.openFolder('INBOX');
			expect(status.exists).toBe(3);
			const metas = await from.scan();
			expect(metas.map((meta) => meta.uid)).toEqual([1, 2, 3]);
			expect(metas[2].messageId).toBeNull();
			expect(metas[0].messageId).toMatch(/^<.+>$/);
			await to.createFolder('Copy');
			await to.createFolder('Copy');
			const opened = await to.openFolder('Copy');
			expect(opened.exists).toBe(0);
			const bodies = new Map<number, Buffer>();
			await from.fetchBodies(
				metas.map((meta) => meta.uid),
				(body) => bodies.set(body.uid, body.raw),
			);
			const results = await to.append(
				metas.map((meta) => ({
					raw: bodies.get(meta.uid) as Buffer,
					flags: meta.flags,
					internalDate: meta.internalDate,
				})),
			);
			expect(results.map((result) => result.ok && result.uid)).toEqual([1, 2, 3]);
		} finally {
			await Promise.all([from.close(), to.close()]);
		}
		const [before, after] = await Promise.all([
			snapshotMailbox(source, sourceUser, PASSWORD),
			snapshotMailbox(target, targetUser, PASSWORD),
		]);
		const strip = (messages: typeof before.INBOX) =>
			messages.map(({ sha256, flags, internalDate }) => ({ sha256, flags, internalDate }));
		expect(strip(after.Copy)).toEqual(strip(before.INBOX));
	});
});
