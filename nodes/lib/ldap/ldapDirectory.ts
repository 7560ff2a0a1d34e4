/**
 * One open, bound connection to an LDAP directory on ldapts, opened step by step (TCP connect, TLS, bind) so a
 * failure names its step. The TCP socket (and for LDAPS the TLS socket) is opened here and handed to ldapts, which
 * takes an open socket as its connection; StartTLS is ldapts' own.
 */
import net from 'node:net';
import tls from 'node:tls';

import { Attribute, BerWriter, Change, Client, type Entry, type Filter } from 'ldapts';

import { LdapEntryMatchError, LdapStepError, ldapStepError } from './ldapErrors';
import {
	DEFAULT_CONNECT_TIMEOUT_MS,
	DEFAULT_OPERATION_TIMEOUT_MS,
	ldapAddressOf,
	type LdapAddress,
	type LdapSettings,
} from './ldapSettings';

/** An entry as read: its DN and the values of the attributes asked for, as strings ([] never appears: absent is absent). */
export interface LdapEntry {
	dn: string;
	attributes: Record<string, string[]>;
}

export type LdapScope = 'base' | 'one' | 'sub';

/** Where one entry is: at a DN, or the single match of a filter under a base. */
export type EntryLocator = { dn: string } | { base: string; filter: Filter };

export interface LdapChange {
	operation: 'add' | 'delete' | 'replace';
	attribute: string;
	/** For `delete`, [] removes the attribute with all its values. */
	values: string[];
}

/** The values of one attribute, whatever case the server spelled its name in; [] when absent. */
export function attributeValues(entry: LdapEntry, name: string): string[] {
	const lower = name.toLowerCase();
	for (const [key, values] of Object.entries(entry.attributes)) {
		if (key.toLowerCase() === lower) return values;
	}
	return [];
}

function toEntry(raw: Entry): LdapEntry {
	const attributes: Record<string, string[]> = {};
	for (const [key, value] of Object.entries(raw)) {
		if (key === 'dn') continue;
		const list = Array.isArray(value) ? value : [value];
		attributes[key] = list.map((item) =>
			Buffer.isBuffer(item) ? item.toString('utf8') : String(item),
		);
	}
	return { dn: raw.dn, attributes };
}

/** How a locator reads in a message: the DN, or the filter (as escaped text) and its base. */
export function describeLocator(locator: EntryLocator): string {
	return 'dn' in locator
		? `the DN ${locator.dn}`
		: `${locator.filter.toString()} under ${locator.base}`;
}

/** RFC 3062 PasswdModifyRequestValue: SEQUENCE { userIdentity [0], newPasswd [2] }. */
function passwordModifyValue(dn: string, newPassword: string): Buffer {
	const writer = new BerWriter();
	writer.startSequence();
	writer.writeString(dn, 0x80);
	writer.writeString(newPassword, 0x82);
	writer.endSequence();
	return writer.buffer;
}

const PASSWORD_MODIFY_OID = '1.3.6.1.4.1.4203.1.11.1';
/** Asked for in a search for an entry's "ambiguous" error: enough to name a few matches. */
const AMBIGUITY_SAMPLE = 3;

export class LdapDirectory {
	private closed = false;

	constructor(
		private readonly client: Client,
		private readonly address: LdapAddress,
	) {}

	private where(dn?: string): string {
		return `${this.address.host}:${this.address.port}${dn === undefined ? '' : ` (${dn})`}`;
	}

	/** The entry at `dn` with these attributes (all user attributes when none are named); null when it does not exist. */
	async readEntry(dn: string, attributes: readonly string[] = []): Promise<LdapEntry | null> {
		try {
			const result = await this.client.search(dn, {
				scope: 'base',
				filter: '(objectClass=*)',
				attributes: [...attributes],
			});
			return result.searchEntries[0] ? toEntry(result.searchEntries[0]) : null;
		} catch (error) {
			if ((error as { code?: unknown }).code === 32) return null;
			throw ldapStepError('search', error, this.where(dn));
		}
	}

	async findEntries(
		base: string,
		filter: Filter,
		attributes: readonly string[] = [],
		scope: LdapScope = 'sub',
		sizeLimit = 0,
	): Promise<LdapEntry[]> {
		try {
			const result = await this.client.search(base, {
				scope,
				filter,
				attributes: [...attributes],
				sizeLimit,
			});
			return result.searchEntries.map(toEntry);
		} catch (error) {
			throw ldapStepError('search', error, this.where(`${filter.toString()} under ${base}`));
		}
	}

	/** Exactly one entry: none or several throw LdapEntryMatchError, naming the locator (and the matches). */
	async findOneEntry(
		locator: EntryLocator,
		attributes: readonly string[] = [],
	): Promise<LdapEntry> {
		if ('dn' in locator) {
			const entry = await this.readEntry(locator.dn, attributes);
			if (!entry) throw new LdapEntryMatchError('none', describeLocator(locator));
			return entry;
		}
		const entries = await this.findEntries(
			locator.base,
			locator.filter,
			attributes,
			'sub',
			AMBIGUITY_SAMPLE,
		);
		if (entries.length === 0) throw new LdapEntryMatchError('none', describeLocator(locator));
		if (entries.length > 1) {
			throw new LdapEntryMatchError(
				'several',
				describeLocator(locator),
				entries.map((entry) => entry.dn),
			);
		}
		return entries[0];
	}

	async modify(dn: string, changes: readonly LdapChange[]): Promise<void> {
		if (changes.length === 0) return;
		const ldapChanges = changes.map(
			(change) =>
				new Change({
					operation: change.operation,
					modification: new Attribute({ type: change.attribute, values: [...change.values] }),
				}),
		);
		try {
			await this.client.modify(dn, ldapChanges);
		} catch (error) {
			throw ldapStepError('modify', error, this.where(dn));
		}
	}

	async add(
		dn: string,
		attributes: Readonly<Record<string, string | readonly string[]>>,
	): Promise<void> {
		const list = Object.entries(attributes).map(
			([type, values]) =>
				new Attribute({ type, values: typeof values === 'string' ? [values] : [...values] }),
		);
		try {
			await this.client.add(dn, list);
		} catch (error) {
			throw ldapStepError('add', error, this.where(dn));
		}
	}

	/** Sets the entry's password by the Password Modify extended operation (RFC 3062); the server hashes it. */
	async passwordModify(dn: string, newPassword: string): Promise<void> {
		if (newPassword === '')
			throw new LdapStepError(
				'password',
				`${this.where(dn)}: the new password is empty`,
				'Give a password.',
			);
		try {
			await this.client.exop(PASSWORD_MODIFY_OID, passwordModifyValue(dn, newPassword));
		} catch (error) {
			throw ldapStepError('password', error, this.where(dn));
		}
	}

	/** Unbinds and closes; safe to call twice. */
	async close(): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.client.unbind().catch(() => undefined);
	}
}

function tlsOptionsOf(settings: LdapSettings, address: LdapAddress): tls.ConnectionOptions {
	return {
		// The identity check uses `host` when a socket is passed in; SNI only for names, never for IP addresses.
		host: address.host,
		...(net.isIP(address.host) ? {} : { servername: address.host }),
		...(settings.caPem?.trim() ? { ca: settings.caPem } : {}),
		rejectUnauthorized: settings.allowUnauthorizedCerts !== true,
	};
}

/** Runs one step with a deadline; on expiry `onTimeout` cleans up and the step fails as timed out. */
function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			onTimeout();
			reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' }));
		}, ms);
		work.then(
			(value) => {
				clearTimeout(timer);
				resolve(value);
			},
			(error: unknown) => {
				clearTimeout(timer);
				reject(error);
			},
		);
	});
}

/** The socket once it emits `ready` (`connect`, `secureConnect`); destroyed on error or at the deadline. */
function whenReady<T extends net.Socket>(socket: T, ready: string, timeoutMs: number): Promise<T> {
	const settled = new Promise<T>((resolve, reject) => {
		socket.once(ready, () => {
			socket.removeAllListeners('error');
			resolve(socket);
		});
		socket.once('error', reject);
	});
	return withDeadline(settled, timeoutMs, () => socket.destroy());
}

/** Connects (TCP, then TLS for LDAPS or StartTLS) and binds; every failure is an LdapStepError naming its step. */
export async function openLdapDirectory(settings: LdapSettings): Promise<LdapDirectory> {
	const address = ldapAddressOf(settings);
	const connectTimeout = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
	const where = `${address.host}:${address.port}`;
	const tlsOptions = tlsOptionsOf(settings, address);
	let socket: net.Socket;
	try {
		socket = await whenReady(
			net.connect({ host: address.host, port: address.port }),
			'connect',
			connectTimeout,
		);
	} catch (error) {
		throw ldapStepError('connect', error, where);
	}
	let connection: net.Socket = socket;
	if (address.tlsFromStart) {
		try {
			connection = await whenReady(
				tls.connect({ ...tlsOptions, socket }),
				'secureConnect',
				connectTimeout,
			);
		} catch (error) {
			socket.destroy();
			throw ldapStepError('tls', error, where);
		}
	}
	const client = new Client({
		url: `${address.tlsFromStart ? 'ldaps' : 'ldap'}://${net.isIPv6(address.host) ? `[${address.host}]` : address.host}:${address.port}`,
		timeout: settings.timeoutMs ?? DEFAULT_OPERATION_TIMEOUT_MS,
		connectTimeout,
		// ldapts takes an open socket as its connection (it checks `readyState === 'open'`).
		createConnection: () => connection,
		...(address.tlsFromStart ? { createSecureConnection: () => connection as tls.TLSSocket } : {}),
		strictDN: false,
	});
	const directory = new LdapDirectory(client, address);
	try {
		if (settings.security === 'startTls' && !address.tlsFromStart) {
			try {
				await client.startTLS(tlsOptions);
			} catch (error) {
				// TCP is up by now: whatever fails is the StartTLS request or the handshake after it.
				throw ldapStepError('tls', error, where);
			}
		}
		try {
			await client.bind(settings.bindDn, settings.password);
		} catch (error) {
			throw ldapStepError('bind', error, `${where} as ${settings.bindDn || '(anonymous)'}`);
		}
		return directory;
	} catch (error) {
		await directory.close();
		connection.destroy();
		throw error;
	}
}
