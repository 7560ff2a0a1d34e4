/**
 * Private OpenLDAP slapd instances for tests: each in its own temp dir with its own cn=config, an mdb database for a
 * test suffix, on free 127.0.0.1 ports (ldap:// with StartTLS, and ldaps://), never the system service. Entries are
 * read and written with Debian's ldap-utils as the root DN, so the harness needs no LDAP library of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { ensureDebianPackages } from './debian';
import { deleteLdif, entryLdif, parseLdif, type LdapEntry, type LdifAttributes } from './ldif';
import { acceptsConnections, freePort } from './ports';
import { isAlive, processIdentity, signalSame, waitUntilGone } from './processes';
import { LOOPBACK_SERVER, writeSelfSigned } from './selfSignedCertificates';
import type { StartedService } from './services';
import { baseEntriesLdif, configLdif } from './slapdConfig';

export type { LdapEntry, LdifAttributes } from './ldif';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const SLAPPASSWD = '/usr/sbin/slappasswd';
const START_TIMEOUT_MS = 20_000;
const START_ATTEMPTS = 5;
const INSTANCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** uid values the user helpers accept: nothing a DN or a filter would need escaped. */
const UID = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
/** ldapsearch's exit code for noSuchObject (the base DN does not exist). */
const NO_SUCH_OBJECT = 32;

export interface SlapdOptions {
	/** Names the instance's folder; unique within one TestServices. */
	name: string;
	/** Default `dc=example,dc=test`. */
	suffix?: string;
	/** Default `cn=admin,<suffix>`. */
	rootDn?: string;
	/** Default `root:Secret-1`. */
	rootPassword?: string;
	/** LDAPS on a second port and StartTLS on the plain one, with a self-signed certificate; default true. */
	tls?: boolean;
	/** Where the instance folder `<name>` is created; default a fresh `os.tmpdir()/mm-test-XXXX`. */
	parentDir?: string;
}

/** A person with a mailbox: inetOrgPerson + inetLocalMailRecipient, at `uid=<uid>,ou=people,<suffix>`. */
export interface MailUser {
	uid: string;
	/** Stored as an {SSHA} userPassword hashed by slappasswd; no userPassword when absent. */
	password?: string;
	/** Default `<uid>@<suffix as a domain>`. */
	mail?: string;
	/** Default the uid. */
	cn?: string;
	/** Default the uid. */
	sn?: string;
	mailHost?: string;
	mailRoutingAddress?: string;
	mailLocalAddress?: string | string[];
	/** Further attributes (their object classes go in `objectClass` here too). */
	extra?: LdifAttributes;
}

export interface SlapdServer extends StartedService {
	name: string;
	host: '127.0.0.1';
	port: number;
	/** `ldap://127.0.0.1:<port>`; StartTLS is offered when `tls` is on. */
	url: string;
	/** `ldaps://127.0.0.1:<port>`, when `tls` is on. */
	ldapsUrl?: string;
	ldapsPort?: number;
	suffix: string;
	rootDn: string;
	rootPassword: string;
	/** `ou=people,<suffix>`: where addMailUser puts people. */
	peopleDn: string;
	/** The self-signed certificate (CN localhost, IP 127.0.0.1) to trust, when `tls` is on. */
	caPem?: string;
	/** The instance folder: slapd.d (cn=config), data (mdb), run (pid file), tls, log/slapd.log. */
	dir: string;
	/** ldapadd as the root DN; rejects with ldapadd's message. */
	add(ldif: string): Promise<void>;
	/** ldapmodify as the root DN: change records (`changetype: modify/delete/modrdn`; modify when none is given). */
	modify(ldif: string): Promise<void>;
	/** Deletes one entry (no subtree). */
	delete(dn: string): Promise<void>;
	/** Subtree search as the root DN; [] when the base does not exist. All user attributes unless `attrs` are named. */
	search(base: string, filter: string, attrs?: string[]): Promise<LdapEntry[]>;
	/** The entry at exactly that DN, or null. */
	entry(dn: string, attrs?: string[]): Promise<LdapEntry | null>;
	/** Adds a MailUser; resolves with its DN. */
	addMailUser(user: MailUser): Promise<string>;
	/** The DN addMailUser gives that uid. */
	userDn(uid: string): string;
	/** The slapd process while running, else null. */
	pid(): number | null;
	/** slapd's stats log so far (connections, binds, searches with their filters, results). */
	log(): string;
	/** Ends slapd by its PID (SIGTERM, SIGKILL after 5 s); a no-op when stopped. */
	stop(): Promise<void>;
	/** stop() and delete the instance folder (kept when KEEP_TEST_SERVICES=1). */
	remove(): Promise<void>;
}

interface ToolResult {
	code: number | null;
	stdout: string;
	stderr: string;
}

/**
 * Runs an OpenLDAP tool, feeding `input` on stdin. Every call names its URL, bind DN and base, so ldap.conf/ldaprc
 * defaults cannot pick another server; LDAPNOINIT would also drop the LDAPTLS_* variables that name our CA.
 */
function runTool(
	command: string,
	args: string[],
	input = '',
	env: NodeJS.ProcessEnv = {},
): Promise<ToolResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			env: { ...process.env, ...env },
			stdio: ['pipe', 'pipe', 'pipe'],
		});
		let stdout = '';
		let stderr = '';
		child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
		child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
		child.once('error', reject);
		child.once('close', (code) => resolve({ code, stdout, stderr }));
		// A tool that reads no input (ldapsearch) may exit before the empty stdin is closed: EPIPE, not a failure;
		// the exit code says how it went.
		child.stdin.once('error', (error: NodeJS.ErrnoException) => {
			if (error.code !== 'EPIPE') reject(error);
		});
		child.stdin.end(input);
	});
}

function failed(what: string, result: ToolResult): Error {
	return new Error(
		`${what} failed (exit ${result.code}): ${`${result.stderr}\n${result.stdout}`.trim()}`,
	);
}

/**
 * An {SSHA} hash from slappasswd. The password goes in by a 0600 file, never on a command line (`-T /dev/stdin`
 * fails on the socket Node gives a child as stdin).
 */
export async function hashPassword(password: string): Promise<string> {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mm-slappasswd-'));
	try {
		const file = path.join(dir, 'password');
		fs.writeFileSync(file, password, { mode: 0o600 });
		const result = await runTool(SLAPPASSWD, ['-n', '-h', '{SSHA}', '-T', file]);
		if (result.code !== 0 || !result.stdout.startsWith('{SSHA}'))
			throw failed('slappasswd', result);
		return result.stdout.trim();
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

/** The LDIF addMailUser adds, with the password already hashed. */
export function mailUserLdif(
	dn: string,
	user: MailUser,
	defaultDomain: string,
	passwordHash?: string,
): string {
	const extra = { ...user.extra };
	const extraClasses = extra.objectClass ?? [];
	delete extra.objectClass;
	const optional: LdifAttributes = {};
	if (passwordHash !== undefined) optional.userPassword = passwordHash;
	if (user.mailHost !== undefined) optional.mailHost = user.mailHost;
	if (user.mailRoutingAddress !== undefined) optional.mailRoutingAddress = user.mailRoutingAddress;
	if (user.mailLocalAddress !== undefined) optional.mailLocalAddress = user.mailLocalAddress;
	return entryLdif(dn, {
		objectClass: [
			'inetOrgPerson',
			'inetLocalMailRecipient',
			...(Array.isArray(extraClasses) ? extraClasses : [extraClasses]),
		],
		uid: user.uid,
		cn: user.cn ?? user.uid,
		sn: user.sn ?? user.uid,
		mail: user.mail ?? `${user.uid}@${defaultDomain}`,
		...optional,
		...extra,
	});
}

/** `dc=example,dc=test` → `example.test`. */
function domainOf(suffix: string): string {
	return suffix
		.split(',')
		.map((part) => /^\s*dc=(.+)$/i.exec(part)?.[1])
		.filter((label): label is string => label !== undefined)
		.join('.');
}

function readText(file: string): string {
	try {
		return fs.readFileSync(file, 'utf8');
	} catch {
		return '';
	}
}

class SlapdInstance implements SlapdServer {
	readonly host = '127.0.0.1' as const;
	readonly name: string;
	readonly dir: string;
	readonly suffix: string;
	readonly rootDn: string;
	readonly rootPassword: string;
	readonly peopleDn: string;
	readonly caPem?: string;
	port = 0;
	ldapsPort?: number;
	private child: ChildProcess | null = null;
	private readonly removableDir: string;

	constructor(
		options: Required<Omit<SlapdOptions, 'parentDir' | 'tls'>>,
		dir: string,
		removableDir: string,
		caPem: string | undefined,
	) {
		this.name = options.name;
		this.suffix = options.suffix;
		this.rootDn = options.rootDn;
		this.rootPassword = options.rootPassword;
		this.peopleDn = `ou=people,${options.suffix}`;
		this.dir = dir;
		this.removableDir = removableDir;
		this.caPem = caPem;
	}

	get url(): string {
		return `ldap://127.0.0.1:${this.port}`;
	}

	get ldapsUrl(): string | undefined {
		return this.ldapsPort === undefined ? undefined : `ldaps://127.0.0.1:${this.ldapsPort}`;
	}

	private get logPath(): string {
		return path.join(this.dir, 'log', 'slapd.log');
	}

	/** Holds the root password for the tools' `-y` (read as is: no trailing newline). */
	get rootPasswordFile(): string {
		return path.join(this.dir, 'rootpw');
	}

	private get toolEnv(): NodeJS.ProcessEnv {
		return this.caPem
			? { LDAPTLS_CACERT: path.join(this.dir, 'tls', 'cert.pem'), LDAPTLS_REQCERT: 'demand' }
			: {};
	}

	/** As the root DN, over plain LDAP. */
	private rootTool(command: string, args: string[], input = ''): Promise<ToolResult> {
		return runTool(
			command,
			['-x', '-H', this.url, '-D', this.rootDn, '-y', this.rootPasswordFile, ...args],
			input,
			this.toolEnv,
		);
	}

	log(): string {
		return readText(this.logPath);
	}

	pid(): number | null {
		const pid = this.child?.pid;
		return pid !== undefined && isAlive(pid) ? pid : null;
	}

	/** Launches slapd in the foreground (`-d stats`: its log goes to our file) and waits until it accepts. */
	async launch(): Promise<{ retryablePortClash: boolean }> {
		const logSizeBefore = this.log().length;
		const output = fs.openSync(this.logPath, 'a');
		const urls = [this.url, this.ldapsUrl]
			.filter((url) => url !== undefined)
			.map((url) => `${url}/`);
		const child = spawn(
			SLAPD,
			['-F', path.join(this.dir, 'slapd.d'), '-h', urls.join(' '), '-d', 'stats'],
			{
				stdio: ['ignore', output, output],
				detached: true,
			},
		);
		fs.closeSync(output);
		child.unref();
		this.child = child;
		let exited = false;
		child.once('exit', () => (exited = true));
		const spawned = new Promise<void>((resolve, reject) => {
			child.once('spawn', resolve);
			child.once('error', reject);
		});
		await spawned;
		const failure = () => this.log().slice(logSizeBefore).trim();
		const deadline = Date.now() + START_TIMEOUT_MS;
		for (;;) {
			if (exited) {
				const details = failure();
				if (/Address already in use/i.test(details)) return { retryablePortClash: true };
				throw new Error(`slapd "${this.name}" failed to start:\n${details}`);
			}
			const ports = [this.port, this.ldapsPort].filter((port) => port !== undefined);
			if ((await Promise.all(ports.map((port) => acceptsConnections(port)))).every(Boolean)) break;
			if (Date.now() > deadline) {
				await this.stop();
				throw new Error(`slapd "${this.name}" did not accept connections in time:\n${failure()}`);
			}
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		await this.proveBinds();
		return { retryablePortClash: false };
	}

	/** A real bind as the root DN on every way in: plain, StartTLS and LDAPS, the last two checking the certificate. */
	private async proveBinds(): Promise<void> {
		const ways: string[][] = [['-H', this.url]];
		if (this.ldapsUrl) ways.push(['-H', this.url, '-ZZ'], ['-H', this.ldapsUrl]);
		for (const way of ways) {
			const result = await runTool(
				'ldapwhoami',
				['-x', ...way, '-D', this.rootDn, '-y', this.rootPasswordFile],
				'',
				this.toolEnv,
			);
			if (result.code !== 0 || !result.stdout.includes(this.rootDn)) {
				await this.stop();
				throw failed(`slapd "${this.name}": ldapwhoami ${way.join(' ')}`, result);
			}
		}
	}

	async add(ldif: string): Promise<void> {
		const result = await this.rootTool('ldapadd', [], ldif);
		if (result.code !== 0) throw failed(`ldapadd on "${this.name}"`, result);
	}

	async modify(ldif: string): Promise<void> {
		const result = await this.rootTool('ldapmodify', [], ldif);
		if (result.code !== 0) throw failed(`ldapmodify on "${this.name}"`, result);
	}

	delete(dn: string): Promise<void> {
		return this.modify(deleteLdif(dn));
	}

	private async searchScoped(
		base: string,
		scope: 'sub' | 'base',
		filter: string,
		attrs: string[],
	): Promise<LdapEntry[]> {
		const result = await this.rootTool('ldapsearch', [
			'-LLL',
			'-o',
			'ldif-wrap=no',
			'-s',
			scope,
			'-b',
			base,
			filter,
			...attrs,
		]);
		if (result.code === NO_SUCH_OBJECT) return [];
		if (result.code !== 0) throw failed(`ldapsearch on "${this.name}"`, result);
		return parseLdif(result.stdout);
	}

	search(base: string, filter: string, attrs: string[] = []): Promise<LdapEntry[]> {
		return this.searchScoped(base, 'sub', filter, attrs);
	}

	async entry(dn: string, attrs: string[] = []): Promise<LdapEntry | null> {
		const [found] = await this.searchScoped(dn, 'base', '(objectClass=*)', attrs);
		return found ?? null;
	}

	userDn(uid: string): string {
		if (!UID.test(uid)) throw new Error(`test uids must match ${UID}: ${JSON.stringify(uid)}`);
		return `uid=${uid},${this.peopleDn}`;
	}

	async addMailUser(user: MailUser): Promise<string> {
		const dn = this.userDn(user.uid);
		const hash = user.password === undefined ? undefined : await hashPassword(user.password);
		await this.add(mailUserLdif(dn, user, domainOf(this.suffix), hash));
		return dn;
	}

	async stop(): Promise<void> {
		const pid = this.pid();
		if (pid === null) return;
		const identity = [processIdentity(pid)];
		signalSame(identity, 'SIGTERM');
		if (await waitUntilGone([pid], 5_000)) return;
		signalSame(identity, 'SIGKILL');
		if (!(await waitUntilGone([pid], 5_000)))
			throw new Error(`slapd "${this.name}": process ${pid} outlived SIGKILL`);
	}

	async remove(): Promise<void> {
		await this.stop();
		if (process.env.KEEP_TEST_SERVICES === '1') return;
		fs.rmSync(this.removableDir, { recursive: true, force: true });
	}
}

async function slapadd(args: string[], ldif: string): Promise<void> {
	const result = await runTool(SLAPADD, args, ldif);
	if (result.code !== 0) throw failed(`slapadd ${args.join(' ')}`, result);
}

/** Starts a private slapd; resolves once it accepts and the root DN has bound on every port. */
export async function startSlapd(options: SlapdOptions): Promise<SlapdServer> {
	if (!INSTANCE_NAME.test(options.name))
		throw new Error(`invalid instance name ${JSON.stringify(options.name)}`);
	ensureDebianPackages(
		['slapd', 'ldap-utils', 'openssl'],
		[SLAPD, SLAPADD, SLAPPASSWD, '/usr/bin/ldapsearch', '/usr/bin/ldapmodify', 'openssl'],
	);
	const suffix = options.suffix ?? 'dc=example,dc=test';
	const settings = {
		name: options.name,
		suffix,
		rootDn: options.rootDn ?? `cn=admin,${suffix}`,
		rootPassword: options.rootPassword ?? 'root:Secret-1',
	};
	const ownTempDir = options.parentDir === undefined;
	const parent = options.parentDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mm-test-'));
	const dir = path.join(parent, options.name);
	if (fs.existsSync(dir))
		throw new Error(`instance folder ${dir} exists already: names must be unique`);
	for (const sub of ['slapd.d', 'data', 'run', 'log'])
		fs.mkdirSync(path.join(dir, sub), { recursive: true });
	const tls = options.tls ?? true;
	const caPem = tls ? writeSelfSigned(path.join(dir, 'tls'), LOOPBACK_SERVER) : undefined;
	const server = new SlapdInstance(settings, dir, ownTempDir ? parent : dir, caPem);
	try {
		fs.writeFileSync(server.rootPasswordFile, settings.rootPassword, { mode: 0o600 });
		const config = configLdif({
			dir,
			suffix,
			rootDn: settings.rootDn,
			rootPasswordHash: await hashPassword(settings.rootPassword),
			tls: tls
				? { certFile: path.join(dir, 'tls', 'cert.pem'), keyFile: path.join(dir, 'tls', 'key.pem') }
				: undefined,
		});
		await slapadd(['-n0', '-F', path.join(dir, 'slapd.d')], config);
		await slapadd(
			['-F', path.join(dir, 'slapd.d'), '-b', suffix],
			baseEntriesLdif(suffix, server.peopleDn),
		);
		for (let attempt = 1; ; attempt++) {
			server.port = await freePort();
			server.ldapsPort = tls ? await freePort() : undefined;
			if (server.port === server.ldapsPort) continue;
			const { retryablePortClash } = await server.launch();
			if (!retryablePortClash) return server;
			if (attempt >= START_ATTEMPTS)
				throw new Error(`slapd "${options.name}": no free ports after ${attempt} tries`);
		}
	} catch (error) {
		// A failed start leaves nothing behind (the log is in the error); TestServices removes its own dir.
		if (ownTempDir) await server.remove();
		else await server.stop();
		throw error;
	}
}
