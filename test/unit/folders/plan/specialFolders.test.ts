import type { SourceNode } from '../../../../nodes/lib/folders/plan/sourceTree';
import {
	detectRolesByName,
	isMappedRole,
	roleNames,
	targetFolderForRole,
	virtualFolderReason,
} from '../../../../nodes/lib/folders/plan/specialFolders';
import { indexTarget } from '../../../../nodes/lib/folders/plan/targetIndex';
import { FolderPlanOptionError, type ListedFolder } from '../../../../nodes/lib/folders/plan/types';

const node = (
	segments: string[],
	role: SourceNode['role'] = null,
	roleSource: SourceNode['roleSource'] = null,
): SourceNode => ({
	segments,
	path: segments.join('/'),
	role,
	roleSource,
});
const targetWith = (folders: ListedFolder[]) =>
	indexTarget({ personalPrefix: '', delimiter: '/', folders }, false, []);

describe('names that mean a role', () => {
	it('knows localized names, compared after NFC and case folding, and the operator’s extras', () => {
		const names = roleNames({ archive: ['Ablage'] });
		expect(names.roleOf('GESENDETE OBJEKTE')).toBe('sent');
		expect(names.roleOf('Entwu\u0308rfe')).toBe('drafts');
		expect(names.roleOf(' Papierkorb ')).toBe('trash');
		expect(names.roleOf('ablage')).toBe('archive');
		expect(names.roleOf('Projects')).toBeNull();
		expect(roleNames().roleOf('Ablage')).toBeNull();
		expect(names.namesOf('archive').has('ablage')).toBe(true);
	});

	it('maps the five real-folder roles, not the views', () => {
		expect(isMappedRole('sent')).toBe(true);
		expect(isMappedRole('all')).toBe(false);
		expect(isMappedRole('important')).toBe(false);
	});
});

describe('detecting roles by name', () => {
	it('gives roles to top-level folders only, at the root or directly under INBOX', () => {
		const nodes = [node(['Gesendet']), node(['INBOX', 'Drafts']), node(['Projects', 'Trash'])];
		detectRolesByName(nodes, roleNames());
		expect(nodes.map((n) => [n.role, n.roleSource])).toEqual([
			['sent', 'name'],
			['drafts', 'name'],
			[null, null],
		]);
	});

	it('leaves a role alone that some folder carries as a flag, and keeps flagged roles', () => {
		const nodes = [
			node(['Sent Items'], 'sent', 'flag'),
			node(['Sent']),
			node(['Spam'], 'archive', 'flag'),
		];
		detectRolesByName(nodes, roleNames());
		expect(nodes.map((n) => [n.role, n.roleSource])).toEqual([
			['sent', 'flag'],
			[null, null],
			['archive', 'flag'],
		]);
	});
});

describe("the target's folder for a role", () => {
	const names = roleNames();

	it('prefers the folder flagged for the role', () => {
		const target = targetWith([{ raw: 'Sent' }, { raw: 'Outbox/Sent Mail', flags: ['\\Sent'] }]);
		expect(targetFolderForRole('sent', target, {}, names)).toEqual(['Outbox', 'Sent Mail']);
	});

	it('then the configured name if it exists, then a top-level folder whose name means the role', () => {
		const target = targetWith([{ raw: 'Gesendet' }, { raw: 'Mail/Sent' }]);
		expect(targetFolderForRole('sent', target, { sent: 'Mail/Sent' }, names)).toEqual([
			'Mail',
			'Sent',
		]);
		expect(targetFolderForRole('sent', target, {}, names)).toEqual(['Gesendet']);
	});

	it('else the configured name, to be created', () => {
		const target = targetWith([]);
		expect(targetFolderForRole('junk', target, {}, names)).toEqual(['Junk']);
		expect(targetFolderForRole('junk', target, { junk: 'Mail/Spam' }, names)).toEqual([
			'Mail',
			'Spam',
		]);
	});

	it('refuses a configured name that is not a canonical path or has an empty name', () => {
		const target = targetWith([]);
		expect(() => targetFolderForRole('trash', target, { trash: 'a\\b' }, names)).toThrow(
			FolderPlanOptionError,
		);
		expect(() => targetFolderForRole('trash', target, { trash: 'a\\b' }, names)).toThrow(
			/^specialFolderNames\.trash: .*stray/,
		);
		expect(() => targetFolderForRole('trash', target, { trash: 'Mail/' }, names)).toThrow(
			'specialFolderNames.trash "Mail/" has an empty folder name',
		);
	});
});

describe('virtual folders', () => {
	const skipped = new Set(['all', 'flagged'] as const);

	it('skips a flagged view whose role is in the skip list', () => {
		expect(virtualFolderReason(node(['All Mail'], 'all', 'flag'), skipped)).toBe(
			'virtual \\All folder: its messages are copied from the folders they belong to',
		);
	});

	it('keeps other roles, unflagged folders and folders without a role', () => {
		expect(virtualFolderReason(node(['Important'], 'important', 'flag'), skipped)).toBeNull();
		expect(virtualFolderReason(node(['Sent'], 'sent', 'name'), new Set(['sent']))).toBeNull();
		expect(virtualFolderReason(node(['Projects']), skipped)).toBeNull();
	});
});
