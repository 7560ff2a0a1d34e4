/** Folder names as people read them in the output: a `\` inside a name is shown once, not as the ledger's `\\`. */
import type { ImapEndpoint } from '../../../nodes/lib/imap/endpoint';
import { ImapSession } from '../../../nodes/lib/imap/ImapSession';
import type { DovecotServer } from '../../harness/dovecot';
import { makeMessage } from '../../harness/imap-fixtures';
import { TestServices } from '../../harness/services';
import { migrate, seedPair, tempLedgerPath } from './engineFixtures';

/** The session of this package, since imapflow 1.x mis-quotes a `\` in a folder name. */
async function withSession<T>(
	endpoint: ImapEndpoint,
	work: (session: ImapSession) => Promise<T>,
): Promise<T> {
	const session = await ImapSession.connect(endpoint);
	try {
		return await work(session);
	} finally {
		await session.logout();
	}
}

describe('folder names in the report, against real Dovecot', () => {
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

	it('shows a folder whose name holds a backslash by its name, not by its escaped ledger key', async () => {
		// One such folder: with a second one Dovecot 2.3.19's list index panics (mailbox_alloc: invalid UTF-8 name).
		const folders = ['Kunden\\Alt'];
		const pair = await seedPair(source, target, {});
		await withSession(pair.sourceEndpoint, async (session) => {
			for (const folder of folders) {
				await session.create(folder);
				await session.append(folder, [{ raw: Buffer.from(makeMessage({ subject: folder })) }]);
			}
		});
		const report = await migrate(pair.sourceEndpoint, pair.targetEndpoint, tempLedgerPath());
		expect(report.status).toBe('completed');
		const shown = report.folders
			.filter((folder) => folder.source.includes('\\'))
			.map((folder) => [folder.source, folder.target, folder.copied]);
		expect(shown).toEqual(expect.arrayContaining([['Kunden\\Alt', 'Kunden\\Alt', 1]]));
		expect(JSON.stringify(report)).not.toContain('\\\\\\\\');
		await withSession(pair.targetEndpoint, async (session) => {
			for (const folder of folders) expect((await session.examine(folder)).exists).toBe(1);
		});
	}, 120_000);
});
