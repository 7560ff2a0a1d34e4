/**
 * Roster values built to break out of a filter or a DN reach slapd only escaped: each such item fails with "no entry
 * matches", every search slapd logs for them returned no entry, and no entry of the directory (read whole, with its
 * entryCSN and modifyTimestamp, before and after) changed but the one legitimate user's of the same batch.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ldapDirectoryData } from '../../harness/n8nNodeFixtures';
import { TestServices } from '../../harness/services';
import type { LdapEntry, SlapdServer } from '../../harness/slapd';
import { runSetRouting, type ItemParameters } from './setRoutingFixtures';

jest.setTimeout(60_000);

const HOSTILE = [
	'*)(uid=*',
	'admin)(|(objectClass=*',
	'cn=x,dc=evil',
	'*',
	'alice@example.test)(mailLocalAddress=*',
	'ali\0ce@example.test',
	'alice@example.test\0',
	'ålice@example.test',
	'#alice',
	'\\2a',
];

/** Each search slapd logged since `from`: its base, scope and filter as received, and how many entries it returned. */
function loggedSearches(log: string): { base: string; filter: string; entries: number | null }[] {
	const searches = new Map<string, { base: string; filter: string; entries: number | null }>();
	for (const line of log.split('\n')) {
		const request = /(conn=\d+ op=\d+) SRCH base="(.*)" scope=\d+ deref=\d+ filter="(.*)"$/.exec(
			line,
		);
		if (request) searches.set(request[1], { base: request[2], filter: request[3], entries: null });
		const result = /(conn=\d+ op=\d+) SEARCH RESULT .*nentries=(\d+)/.exec(line);
		const search = result && searches.get(result[1]);
		if (search) search.entries = Number(result[2]);
	}
	return [...searches.values()];
}

describe('hostile roster values reach slapd only escaped', () => {
	const services = new TestServices();
	let slapd: SlapdServer;
	let ledgerDir: string;
	let credential: Record<string, unknown>;

	beforeAll(async () => {
		slapd = await services.slapd({ name: 'injection' });
		for (const uid of ['alice', 'admin', 'bob']) {
			await slapd.addMailUser({
				uid,
				mailLocalAddress: `${uid}@example.test`,
				mailHost: 'old.mail.test',
			});
		}
		ledgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-injection-'));
		credential = ldapDirectoryData(slapd);
	}, 60_000);

	afterAll(async () => {
		await services.stopAll();
		fs.rmSync(ledgerDir, { recursive: true, force: true });
	});

	const everything = async (): Promise<LdapEntry[]> =>
		(await slapd.search(slapd.suffix, '(objectClass=*)', ['*', '+'])).sort((a, b) =>
			a.dn.localeCompare(b.dn),
		);

	const switchItem = (user: string, lookup: ItemParameters): ItemParameters => ({
		operation: 'switch',
		migrationId: 'injection',
		ledgerOptions: { path: path.join(ledgerDir, 'ledger.sqlite') },
		user,
		routingAttributes: { attribute: [{ name: 'mailHost', value: 'new.mail.test' }] },
		...lookup,
	});

	const bySearch = (user: string) =>
		switchItem(user, {
			entryLookup: 'search',
			baseDn: slapd.peopleDn,
			filterTemplate: '(mailLocalAddress={user})',
		});

	const byDn = (user: string) =>
		switchItem(user, {
			entryLookup: 'dn',
			dnTemplate: `uid={uid},${slapd.peopleDn}`,
			templateValues: { values: [{ name: 'uid', value: user }] },
		});

	it.each([
		['a search filter', bySearch, 'bob@example.test', 'bob'],
		['a DN template', byDn, 'admin', 'admin'],
	])(
		'in %s: each item fails with "no entry matches", nothing else is read or changed',
		async (_, itemOf, legitimate, uid) => {
			const before = await everything();
			const logOffset = slapd.log().length;
			const items = [...HOSTILE.map(itemOf), itemOf(legitimate)];
			const outputs = await runSetRouting(credential, items);

			expect(outputs).toHaveLength(items.length);
			for (const [index, output] of outputs.slice(0, HOSTILE.length).entries()) {
				expect(output.pairedItem).toEqual({ item: index });
				expect(output.json).toMatchObject({
					user: HOSTILE[index],
					status: 'failed',
					changes: [],
				});
				expect(output.json.error).toMatch(
					HOSTILE[index].includes('\0')
						? /: the value of \{\w+\} holds a NUL character/
						: /: no entry matches /,
				);
			}
			// The batch went on: the legitimate user after them was switched.
			expect(outputs[HOSTILE.length].json).toMatchObject({
				status: 'switched',
				dn: slapd.userDn(uid),
			});

			const after = await everything();
			const legitimateDn = slapd.userDn(uid);
			expect(after.filter((entry) => entry.dn !== legitimateDn)).toEqual(
				before.filter((entry) => entry.dn !== legitimateDn),
			);
			expect(after.find((entry) => entry.dn === legitimateDn)?.attributes.mailHost).toEqual([
				'new.mail.test',
			]);

			const searches = loggedSearches(slapd.log().slice(logOffset));
			// NUL values never reach slapd; every other hostile value is one search that found nothing.
			const hostile = searches.slice(0, HOSTILE.filter((value) => !value.includes('\0')).length);
			expect(hostile.every((search) => search.entries === 0 || search.entries === null)).toBe(true);
			expect(
				hostile.map((search) => (itemOf === byDn ? search.base : search.filter)),
			).toMatchSnapshot();
			// Reset bob for the next lookup kind.
			await slapd.modify(
				`dn: ${legitimateDn}\nchangetype: modify\nreplace: mailHost\nmailHost: old.mail.test\n`,
			);
		},
	);
});
