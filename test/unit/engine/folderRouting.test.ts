import { planFolderRoutes } from '../../../nodes/lib/migration/folderRouting';
import type { StoreFolder } from '../../../nodes/lib/migration/mailStore';
import type { FolderListing } from '../../../nodes/lib/migration/migrateMailbox';

function folder(rawName: string, delimiter: string, extra: Partial<StoreFolder> = {}): StoreFolder {
	return { rawName, delimiter, attributes: [], specialUse: null, subscribed: true, ...extra };
}

function listing(prefix: string, delimiter: string, folders: StoreFolder[]): FolderListing {
	return { namespace: { prefix, delimiter }, folders };
}

const dovecotTarget = (folders: StoreFolder[] = []) => listing('', '/', folders);

function targets(source: FolderListing, target: FolderListing, rules = {}) {
	return Object.fromEntries(
		planFolderRoutes(source, target, rules).map((route) => [route.sourcePath, route.targetRaw]),
	);
}

describe('planFolderRoutes', () => {
	it('translates a Courier INBOX. namespace with dots to a slash namespace without prefix', () => {
		const source = listing('INBOX.', '.', [
			folder('INBOX', '.'),
			folder('INBOX.Projects', '.'),
			folder('INBOX.Projects.Alpha', '.'),
			folder('INBOX.Entw&APw-rfe', '.'),
		]);
		expect(targets(source, dovecotTarget(), { specialUse: false })).toEqual({
			INBOX: 'INBOX',
			Projects: 'Projects',
			'Projects/Alpha': 'Projects/Alpha',
			Entwürfe: 'Entw&APw-rfe',
		});
	});

	it('keeps a name holding the target separator as one folder', () => {
		const source = listing('', '.', [folder('a/b', '.'), folder('x.y', '.')]);
		const routes = planFolderRoutes(source, dovecotTarget(), {});
		const byTarget = routes.map((route) => route.targetRaw).sort();
		expect(byTarget).toEqual(['a_b', 'x', 'x/y']);
	});

	it('maps a dot inside a name to a dot-separated target without creating hierarchy', () => {
		const source = listing('', '/', [folder('a.b', '/'), folder('&ZeVnLIqe-', '/')]);
		const target = listing('INBOX.', '.', []);
		expect(targets(source, target)).toEqual({ 'a.b': 'INBOX.a_b', 日本語: 'INBOX.&ZeVnLIqe-' });
	});

	it('names folders of a target with Unicode names (Graph) in Unicode, not modified UTF-7', () => {
		const source = listing('INBOX.', '.', [
			folder('INBOX.Kunden', '.'),
			folder('INBOX.Kunden.M&APw-ller GmbH', '.'),
			folder('INBOX.A&-B', '.'),
		]);
		const graph: FolderListing = {
			namespace: { prefix: '', delimiter: '/', utf8Names: true },
			folders: [folder('Entwürfe', '/')],
		};
		expect(targets(source, graph, { specialUse: false })).toEqual({
			Kunden: 'Kunden',
			'Kunden/Müller GmbH': 'Kunden/Müller GmbH',
			'A&B': 'A&B',
		});
	});

	it('maps localized special folders onto the target special folders, subfolders included', () => {
		const source = listing('', '/', [
			folder('Gesendet', '/'),
			folder('Gesendet/2019', '/'),
			folder('Papierkorb', '/'),
		]);
		const target = dovecotTarget([folder('Sent Items', '/', { specialUse: '\\Sent' })]);
		expect(targets(source, target)).toEqual({
			Gesendet: 'Sent Items',
			'Gesendet/2019': 'Sent Items/2019',
			Papierkorb: 'Trash',
		});
	});

	it('uses flags over names when the source flags special folders', () => {
		const source = listing('', '/', [
			folder('Outbox copies', '/', { specialUse: '\\Sent' }),
			folder('Gesendet', '/'),
		]);
		expect(targets(source, dovecotTarget())).toEqual({
			'Outbox copies': 'Sent',
			Gesendet: 'Gesendet',
		});
	});

	it('excludes by pattern, renames by rule, and lets rules win over special-use mapping', () => {
		const source = listing('', '/', [
			folder('Trash', '/'),
			folder('Old/2019', '/'),
			folder('Sent', '/'),
			folder('Spam', '/'),
		]);
		const routes = planFolderRoutes(source, dovecotTarget(), {
			exclude: ['Spam'],
			renames: [
				{ from: '^Old/(.*)$', to: 'Archive/Old $1' },
				{ from: '^Sent$', to: 'Sent from legacy' },
			],
		});
		const bySource = Object.fromEntries(routes.map((route) => [route.sourcePath, route]));
		expect(bySource.Spam.skipReason).toMatch(/excluded by pattern/);
		expect(bySource['Old/2019'].targetRaw).toBe('Archive/Old 2019');
		expect(bySource.Sent.targetRaw).toBe('Sent from legacy');
		// Archive is needed as a parent and no source folder provides it.
		expect(routes.find((route) => route.targetRaw === 'Archive')?.selectable).toBe(false);
		expect(routes.findIndex((route) => route.targetRaw === 'Archive')).toBeLessThan(
			routes.findIndex((route) => route.targetRaw === 'Archive/Old 2019'),
		);
	});

	it('keeps \\Noselect parents as non-selectable routes and skips \\NonExistent ones', () => {
		const source = listing('', '/', [
			folder('Kunden', '/', { attributes: ['\\Noselect', '\\HasChildren'] }),
			folder('Kunden/M&APw-ller GmbH', '/'),
			folder('Gone', '/', { attributes: ['\\NonExistent'] }),
		]);
		const routes = planFolderRoutes(source, dovecotTarget(), {});
		expect(
			routes
				.filter((route) => !route.skipReason)
				.map((route) => [route.targetPath, route.selectable]),
		).toEqual([
			['Kunden', false],
			['Kunden/Müller GmbH', true],
		]);
		expect(routes.find((route) => route.sourcePath === 'Gone')?.skipReason).toBeTruthy();
	});

	it('supports * and % include patterns', () => {
		const source = listing('', '/', [
			folder('INBOX', '/'),
			folder('P', '/'),
			folder('P/a', '/'),
			folder('P/a/b', '/'),
		]);
		const routes = planFolderRoutes(source, dovecotTarget(), { include: ['inbox', 'P/%'] });
		const migrated = routes.filter((route) => !route.skipReason);
		// P itself is not migrated, but P/a needs it as a parent on the target.
		expect(migrated.map((route) => [route.sourcePath, route.selectable])).toEqual([
			['INBOX', true],
			['P', false],
			['P/a', true],
		]);
	});
});
